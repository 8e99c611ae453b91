"""`site-builder new`: every kind starts as a draft that passes `check`; its placeholders
(【要記入：…】, content/placeholders.py) keep it from being published until replaced."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from site_builder.content.placeholders import find, placeholder
from tests.conftest import PROJECT, SAMPLE_SITE, new_project
from tests.test_cli import page_title, tree_hash

NOW = "2020-07-01T09:00"
# kind: (title, slug, file, URL)
NEW = {
    "case": ("地域の居場所づくり: 「みんなの食堂」#1", "ibasho", "cases/ibasho.md", "/cases/ibasho/"),
    "event": (
        "オープンダイアログ③ 'ゆるやかに' 話そう",
        "open-dialogue-3",
        "events/open-dialogue-3.md",
        "/events/open-dialogue-3/",
    ),
    "news": ("年末年始の休館 - お知らせ", "year-end", "content/news/year-end.md", "/news/year-end/"),
    "issue": ("子育て世帯のいま", "kosodate", "content/issues/kosodate.md", "/issues/kosodate/"),
    "newsletter": ("メールマガジン 2020年7月号", "2020-07a", "content/newsletter/2020-07a.md", "/newsletter/2020-07a/"),
}
# What `check` names in each new file once it is not a draft: (path, line, field), with NOW as above.
PLACEHOLDERS = {
    "case": [
        ("cases/ibasho.md", 4, "summary"),
        ("cases/ibasho.md", 7, "partners[0].name"),
        ("cases/ibasho.md", 9, "partners[1].name"),
        ("cases/ibasho.md", 11, "status"),
        *(("cases/ibasho.md", line, "body") for line in (20, 24, 28, 32)),
    ],
    "event": [
        ("events/open-dialogue-3.md", 4, "summary"),
        ("events/open-dialogue-3.md", 6, "start"),
        ("events/open-dialogue-3.md", 7, "end"),
        ("events/open-dialogue-3.md", 8, "venue"),
        *(("events/open-dialogue-3.md", line, "body") for line in (19, 23, 27)),
    ],
    "news": [("content/news/year-end.md", 4, "summary"), ("content/news/year-end.md", 8, "body")],
    "issue": [
        ("content/data/kosodate.csv", 2, "項目"),
        ("content/data/kosodate.csv", 3, "項目"),
        ("content/issues/kosodate.md", 4, "summary"),
        ("content/issues/kosodate.md", 9, "datasets[0].source"),
        ("content/issues/kosodate.md", 10, "datasets[0].source_url"),
        ("content/issues/kosodate.md", 11, "datasets[0].license"),
        ("content/issues/kosodate.md", 12, "datasets[0].retrieved"),
        ("content/issues/kosodate.md", 18, "charts[0].title"),
        ("content/issues/kosodate.md", 21, "body"),
        ("content/issues/kosodate.md", 25, "body"),
    ],
    "newsletter": [("content/newsletter/2020-07a.md", 3, "date"), ("content/newsletter/2020-07a.md", 10, "body")],
}
MARKED = re.compile(r"【要記入[^】\n]*】")


def write_new(run_cli, root: Path, kind: str) -> Path:
    title, slug, path, _ = NEW[kind]
    code, out, err = run_cli("--root", root, "new", kind, title, "--slug", slug, "--now", NOW)
    assert (code, err) == (0, "") and path in out
    return root / path


def edit(path: Path, change) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def publish(text: str) -> str:
    return text.replace("draft: true", "draft: false")


def fill_in(text: str) -> str:
    """What an editor does: each 【要記入：…】 value becomes real text, each one in a comment
    beside a value (checked) is deleted with its comment."""
    lines = []
    for number, line in enumerate(text.split("\n"), 1):
        line = re.sub(r"  # 【要記入[^】\n]*】$", "", line)
        lines.append(MARKED.sub(f"本当の内容{number}", line))
    return "\n".join(lines)


def placeholder_errors(kind: str) -> list[str]:
    return [f"{path}:{line}: {field}" for path, line, field in PLACEHOLDERS[kind]]


@pytest.mark.parametrize("kind", NEW)
def test_each_kind_is_a_draft_that_passes_check(project, run_cli, kind):
    root = project()
    path = write_new(run_cli, root, kind)
    text = path.read_text(encoding="utf-8")
    assert "\ndraft: true\n" in text and find(text)
    assert run_cli("--root", root, "check") == (0, "", "content is valid\n")


@pytest.mark.parametrize("kind", NEW)
def test_published_placeholders_are_refused_by_field_and_line(project, run_cli, kind):
    root = project()
    path = write_new(run_cli, root, kind)
    edit(path, publish)
    code, out, err = run_cli("--root", root, "check")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert [line.split(": still the placeholder", 1)[0] for line in lines[:-1]] == placeholder_errors(kind)
    assert all("still the placeholder that `new` wrote (【要記入：" in line for line in lines[:-1])
    assert lines[-1] == f"{len(PLACEHOLDERS[kind])} errors; nothing was written"


def test_the_placeholder_message_in_both_languages(project, run_cli):
    root = project()
    edit(write_new(run_cli, root, "case"), publish)
    summary = "【要記入：概要を1〜2文で。一覧・SNS・メルマガに使われます】"
    _, _, err = run_cli("--root", root, "check")
    assert err.splitlines()[0] == (
        f"cases/ibasho.md:4: summary: still the placeholder that `new` wrote ({summary}): write the real text "
        "in its place and remove the 【要記入…】 mark (in a comment: check the value, then delete the comment), "
        "or set draft: true until it is ready"
    )
    _, _, err = run_cli("--root", root, "--lang", "ja", "check")
    assert err.splitlines()[0] == (
        f"cases/ibasho.md:4: summary: まだ仮の文章です（new が書いた見本 {summary} のまま）。本当の内容に書き換えて、"
        "【要記入…】の印を消してください（# の後ろにある印は、値を確かめてから # ごと消します）。"
        "まだ公開しないなら draft: true にしてください"
    )
    assert err.splitlines()[3].startswith(
        "cases/ibasho.md:11: status: まだ仮の文章です（new が書いた見本 【要記入：proposal"
    )


def test_filled_in_files_pass_check_and_build(project, run_cli):
    root = project()
    paths = [write_new(run_cli, root, kind) for kind in NEW]
    for path in [*paths, root / "content/data/kosodate.csv"]:
        edit(path, lambda text: fill_in(publish(text)))
        assert "要記入" not in path.read_text(encoding="utf-8")
    assert run_cli("--root", root, "check") == (0, "", "content is valid\n")
    code, _, err = run_cli("--root", root, "build", "--quiet", "--site-dir", root / "site", "--now", "2020-07-02T00:00")
    assert code == 0, err
    for kind, (title, _, _, url) in NEW.items():
        if kind != "newsletter":
            assert page_title(root / "site", url) == title
    assert (root / "site/newsletter/2020-07a/index.html").is_file()
    assert (
        (root / "site/issues/kosodate/kosodate.csv").read_text(encoding="utf-8").startswith("項目,値\n本当の内容2,1\n")
    )


def test_a_placeholder_left_anywhere_is_refused(project, run_cli):
    """Filling in all but one: the one left is named, in a value, a comment or a CSV cell."""
    root = project()
    paths = {kind: write_new(run_cli, root, kind) for kind in ("event", "issue")}
    left = {"event": 7, "issue": 18}  # end: in a comment; charts[0].title: a value
    for kind, path in paths.items():
        text = publish(path.read_text(encoding="utf-8")).split("\n")
        filled = fill_in("\n".join(text)).split("\n")
        filled[left[kind] - 1] = text[left[kind] - 1]
        path.write_text("\n".join(filled), encoding="utf-8")
    csv = root / "content/data/kosodate.csv"
    edit(csv, lambda text: text.replace("【要記入：1行目の名前】", "0〜14歳"))
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    assert [line.split(": still", 1)[0] for line in err.splitlines()[:-1]] == [
        "content/data/kosodate.csv:3: 項目",
        "content/issues/kosodate.md:18: charts[0].title",
        "events/open-dialogue-3.md:7: end",
    ]


def test_hand_written_files_without_marks_are_unaffected(project, run_cli):
    root = project(
        {
            "content/news/sns.md": """\
                ---
                title: 【お知らせ】SNSを始めました
                date: 2020-07-01
                summary: 【明日開催】のようなお知らせを届けます  # 【】は普通の括弧です
                ---
                本文は【重要】などの括弧を使えます。
                """,
        }
    )
    assert run_cli("--root", root, "check") == (0, "", "content is valid\n")
    edit(root / "content/news/sns.md", lambda text: text.replace("本文は", placeholder("本文") + "\n本文は"))
    code, _, err = run_cli("--root", root, "check")
    assert code == 1 and err.startswith("content/news/sns.md:6: body: still the placeholder that `new` wrote")


def test_sample_content_passes(tmp_path, run_cli):
    assert run_cli("--root", PROJECT, "check") == (0, "", "content is valid\n")
    root = new_project(tmp_path)
    for folder in ("cases", "events", "content"):
        shutil.copytree(SAMPLE_SITE / folder, root / folder, dirs_exist_ok=True)
    assert run_cli("--root", root, "check") == (0, "", "content is valid\n")


@pytest.mark.parametrize(
    "slug, message",
    [
        ("ibasho", "error: cases/ibasho.md already exists: choose another --slug"),
        ("minato", "error: slug 'minato' is already used by cases/other.md: choose another --slug"),
        ("Foo Bar", "error: unsafe --slug 'Foo Bar': use only a-z, 0-9 and single '-' between them"),
        ("../escape", "error: unsafe --slug '../escape': use only a-z, 0-9 and single '-' between them"),
    ],
)
def test_new_refuses_taken_and_unsafe_slugs(project, run_cli, slug, message):
    root = project(
        {"cases/ibasho.md": "---\ntitle: 既存\n---\n", "cases/other.md": "---\ntitle: 既存\nslug: minato\n---\n"}
    )
    before = tree_hash(root)
    code, out, err = run_cli("--root", root, "new", "case", "新しい事例", "--slug", slug)
    assert code != 0
    assert (out, err) == ("", message + "\n")
    assert tree_hash(root) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["case", "新しい事例", "--slug", "Foo Bar"],
            "エラー: --slug 'Foo Bar' には使えない文字があります。a-z の小文字、0-9 の数字と、その間の - だけで"
            "書いてください（例：--slug ibasho-2020）",
        ),
        (
            ["newsletter", "7月号", "--id", "2020_07"],
            "エラー: --id '2020_07' には使えない文字があります。a-z の小文字、0-9 の数字と、その間の - だけで"
            "書いてください（例：--id 2020-07a）",
        ),
        (["news", "", "--slug", "x"], "エラー: 題名は1〜100字で書いてください（今は0字です）"),
        (["news", "一行目\n二行目", "--slug", "x"], "エラー: 題名は改行を入れずに1行で書いてください"),
        (
            ["case", "新しい事例", "--slug", "minato"],
            "エラー: slug 'minato' は cases/other.md がもう使っています。別の --slug にしてください",
        ),
        (
            ["issue", "新しい課題", "--slug", "jinko"],
            "エラー: content/data/jinko.csv はもうあります。別の --slug にしてください",
        ),
    ],
)
def test_new_refusals_in_japanese(project, run_cli, args, message):
    root = project({"cases/other.md": "---\ntitle: 既存\nslug: minato\n---\n", "content/data/jinko.csv": "a,b\n"})
    before = tree_hash(root)
    code, out, err = run_cli("--root", root, "--lang", "ja", "new", *args)
    assert (code, out, err) == (1, "", message + "\n")
    assert tree_hash(root) == before  # an issue page is not written without its CSV


def test_new_says_what_it_wrote_in_japanese(project, run_cli):
    root = project()
    code, out, _ = run_cli("--root", root, "--lang", "ja", "new", "issue", "人口", "--slug", "jinko", "--now", NOW)
    assert code == 0
    assert out == (
        f"{root}/content/issues/jinko.md, {root}/content/data/jinko.csv を作りました（下書き）。"
        "【要記入：…】の所をすべて本当の内容に書き換えてから、draft: false にすると公開されます。\n"
    )


def test_new_help_is_in_japanese(run_cli, capsys):
    with pytest.raises(SystemExit):
        run_cli("new", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{case,event,news,issue,newsletter}" in help_text
    assert "新しい原稿を下書き（draft: true）で作ります" in help_text
    assert "に書く日時 (the date written into the new file)" in help_text
    assert "build time" not in help_text
