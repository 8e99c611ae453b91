"""Links are checked (site_builder/content/link_check.py): every internal link in every
body leads to a page or file that is public when the linking page is, or `check` (and
so `build`) reports it on its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.content import dates
from tests.conftest import PROJECT, SAMPLE_SITE, new_project
from tests.golden import GOLDEN, SKIPPED
from tests.golden import NOW as GOLDEN_NOW

NOW = "2020-07-20T12:00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def case(body: str = "本文", date: str = "2020-07-01T10:00", draft: bool = False, ward: str = "naka") -> str:
    """A case whose body starts on line 12."""
    return (
        f"---\ntitle: 事例\ndate: {date}\nsummary: 事例の概要です。\npartners:\n  - {{name: 団体A, type: npo}}\n"
        f"  - {{name: 横浜市, type: government}}\nstatus: ongoing\nwards: [{ward}]\ndraft: {str(draft).lower()}\n"
        f"---\n{body}\n"
    )


def page(body: str = "本文", date: str = "2020-06-26", draft: bool = False) -> str:
    """An ordinary page whose body starts on line 7."""
    return f"---\ntitle: ページ\ndate: {date}\nsummary: 概要です。\ndraft: {str(draft).lower()}\n---\n{body}\n"


EVENT = (
    "---\ntitle: 対話の会\ndate: 2020-07-01T09:00\nsummary: 対話の会です。\nstart: 2020-08-01T14:00\n"
    "venue: 協働ラボ\n---\n本文\n"
)


VALID = (0, ["content is valid"])


@pytest.fixture
def check(tmp_path, run_cli):
    """Writes the files into a new scratch project and runs `check --now NOW`: (exit code, lines printed)."""
    projects = iter(range(100))

    def run(files: dict, *options: str, now: str = NOW) -> tuple[int, list[str]]:
        root = tmp_path / f"project-{next(projects)}"
        root.mkdir()
        new_project(root, {"cases/a.md": case(), "events/talk.md": EVENT, **files})
        code, _, err = run_cli("--root", root, *options, "check", "--now", now)
        return code, err.splitlines()

    return run


def test_a_link_to_a_missing_markdown_file_is_an_error_on_its_line(check):
    code, lines = check({"content/about.md": page("一行目\n\n[事例](../cases/nothere.md) と [事例A](../cases/a.md)")})
    assert code == 1
    assert lines == [
        "content/about.md:9: body: link target ../cases/nothere.md does not exist (cases/nothere.md not found); "
        "check the file name (e.g. ../cases/ibasho.md) or remove the link",
        "1 error; nothing was written",
    ]


def test_a_misspelt_file_or_path_gets_a_suggestion(check):
    code, lines = check({"cases/b.md": case("[事例](aa.md)\n\n[一覧](/casez/)")})
    assert code == 1
    assert lines[:2] == [
        "cases/b.md:12: body: link target aa.md does not exist (cases/aa.md not found); did you mean a.md?",
        "cases/b.md:14: body: link target /casez/ is not a page or file of this site; did you mean /cases/?",
    ]


def test_a_missing_site_path_is_an_error(check):
    code, lines = check({"content/about.md": page("[なし](/nothing/here/)")})
    assert code == 1
    assert lines[0] == (
        "content/about.md:7: body: link target /nothing/here/ is not a page or file of this site; "
        "check the address (e.g. /cases/) or remove the link"
    )


def test_fragments_and_external_links_are_not_checked(check):
    body = "\n".join(
        [
            "[ここ](#here) [外部](https://example.org/nothere/) [http](http://example.org/x.md)",
            "[メール](mailto:info@example.org) [電話](tel:045-000-0000) [別のホスト](//example.org/casez/)",
            "[問い合わせ](?q=1) [事例の節](../cases/a.md#partners)",
        ]
    )
    assert check({"content/about.md": page(body)}) == VALID


def test_links_to_generated_pages_and_files_are_accepted(check):
    body = "\n".join(
        [
            "[一覧](/cases/) [中区](/cases/ward/naka/) [カレンダー](/events/calendar.ics) [フィード](/feed.xml)",
            "[事例のフィード](/cases/feed.xml) [JSON](/feed.json) [API](/api/cases.json) [型](/api/schema/news.json)",
            "[検索](/search/) [課題](/issues/) [会](/events/talk/event.ics) [地図](/sitemap.xml)",
            "[ロゴ](/assets/logo.svg) [スラッシュなし](/cases) [index](/cases/index.html) [ホーム](/)",
            "[このページ](/about/) [画像](/images/map.png)",
            "[イベント](/events/talk/#program) [相対の一覧](../events/) ![画像](images/map.png)",
        ]
    )
    assert check({"content/about.md": page(body), "content/images/map.png": PNG}) == VALID


def test_a_target_not_public_yet_is_named_with_its_date(check):
    files = {
        "cases/later.md": case(date="2020-09-01"),
        "content/about.md": page("[あとで](../cases/later.md)\n\n[あとで](/cases/later/)"),
    }
    code, lines = check(files)
    assert code == 1
    assert lines == [
        "content/about.md:7: body: link target cases/later.md is not public yet (its date is 2020-09-01); "
        "publish this page on or after that date, or remove the link",
        "content/about.md:9: body: link target /cases/later/ (cases/later.md) is not public yet "
        "(its date is 2020-09-01); publish this page on or after that date, or remove the link",
        "2 errors; nothing was written",
    ]
    _, lines = check(files, "--lang", "ja")
    assert lines[0] == (
        "content/about.md:7: body: リンク先 cases/later.md はまだ公開されていません（公開日 2020-09-01）。"
        "公開日以降に公開するか、リンクを外してください"
    )
    assert check(files, now="2020-09-01") == VALID  # on its date the link works


def test_a_link_from_a_page_still_to_come_is_checked_at_its_own_date(check):
    files = {
        "cases/later.md": case(date="2020-09-01T10:00"),
        "content/news/soon.md": page("[あとで](../../cases/later.md)", date="2020-08-01").replace("ページ", "予告"),
    }
    code, lines = check(files)
    assert code == 1
    assert lines[0] == (
        "content/news/soon.md:7: body: link target cases/later.md is published on 2020-09-01T10:00, after this page "
        "(2020-08-01); set this page's date to 2020-09-01T10:00 or later, or remove the link"
    )
    same_day = {
        **files,
        "content/news/soon.md": files["content/news/soon.md"].replace("2020-08-01", "2020-09-01T10:00"),
    }
    assert check(same_day) == VALID


def test_a_link_to_a_draft_is_an_error_but_a_draft_may_link_to_drafts(check):
    files = {"cases/hidden.md": case(draft=True), "content/about.md": page("[下書き](../cases/hidden.md)")}
    code, lines = check(files)
    assert code == 1
    assert lines[0] == (
        "content/about.md:7: body: link target cases/hidden.md is a draft (draft: true) and is not published; "
        "publish it or remove the link"
    )
    _, lines = check(files, "--lang", "ja")
    assert lines[0] == (
        "content/about.md:7: body: リンク先 cases/hidden.md は下書き（draft: true）のため公開されていません。"
        "リンク先を公開するか、リンクを外してください"
    )
    drafts = {
        "cases/hidden.md": case(draft=True),
        "cases/plan.md": case("[下書き](hidden.md) [未来](later.md) [なし](gone.md)", draft=True),
        "cases/later.md": case(date="2030-01-01"),
    }
    assert check(drafts) == (
        1,
        [
            "cases/plan.md:12: body: link target gone.md does not exist (cases/gone.md not found); "
            "check the file name (e.g. ../cases/ibasho.md) or remove the link",
            "1 error; nothing was written",
        ],
    )


def test_every_spelling_of_a_link_is_found_on_its_line(check):
    body = "\n".join(
        [
            "一行目",  # 12
            '[参照形式][ref] と <a href="../events/gone.md">生のHTML</a>',  # 13
            "",
            '<img src="images/none.png" alt="画像">',  # 15
            "",
            "[同じリンク](/casez/)",  # 17
            "",
            "[同じリンク](/casez/)",  # 19
            "",
            "[ref]: missing.md",  # 21
        ]
    )
    _, lines = check({"cases/b.md": case(body)})
    assert [line.split(": body: ")[0] + ": " + line.split(": body: ")[1].split(" ")[2] for line in lines[:-1]] == [
        "cases/b.md:13: ../events/gone.md",
        "cases/b.md:15: images/none.png",
        "cases/b.md:17: /casez/",
        "cases/b.md:19: /casez/",
        "cases/b.md:21: missing.md",
    ]


def test_a_dataset_is_linked_by_its_published_copy(check):
    code, lines = check({"content/about.md": page("[データ](data/x.csv)"), "content/data/x.csv": "a,b\n1,2\n"})
    assert code == 1
    assert "link target data/x.csv is not published by itself" in lines[0]


def test_build_checks_the_links_first(project, run_cli):
    root = project({"content/about.md": page("[事例](../cases/nothere.md)")})
    code, _, err = run_cli("--root", root, "build", "--now", NOW, "--quiet")
    assert code == 1 and "content/about.md:7: body: link target ../cases/nothere.md does not exist" in err
    assert not (root / "site").exists()


def sample_project(tmp_path: Path, source: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    root = new_project(tmp_path)
    for folder in ("cases", "events", "content"):
        shutil.rmtree(root / folder)
        shutil.copytree(source / folder, root / folder)
    return root


@pytest.mark.parametrize("now", [GOLDEN_NOW, None])
def test_the_sample_sites_pass_at_their_test_dates(tmp_path, now):
    moment = dates.resolve_now(now)
    assert pipeline.check(sample_project(tmp_path / "sample", SAMPLE_SITE), moment).messages == []
    assert pipeline.check(PROJECT, moment).messages == []


def test_the_listed_site_paths_are_the_files_a_build_writes(tmp_path):
    """Every file of the golden build is listed, and every listed path is written
    (the golden file list leaves out what the engine and Pagefind own)."""
    root = sample_project(tmp_path, SAMPLE_SITE)
    moment = dates.as_instant(dates.parse_time(GOLDEN_NOW))
    config, content, reporter = pipeline.load(root, moment)
    assert reporter.ok
    build = pipeline.prepare(root, moment, progress=_quiet())
    listed = pipeline.site_paths(config, content, build.published, build.bodies)
    written = {"/" + line for line in (GOLDEN / "FILES.txt").read_text(encoding="utf-8").split()}
    as_files = {path + "index.html" if path.endswith("/") else path for path in listed}
    assert {path for path in as_files if not path.lstrip("/").startswith(SKIPPED)} == written
    assert {"/search/index.html", "/404.html", "/sitemap.xml.gz", "/api/schema/cases.json"} <= as_files
    assert "/assets/logo.svg" in as_files


def _quiet():
    from site_builder.context import Progress

    return Progress(quiet=True)
