"""A live preview's updates page by page (pipeline.update_site) give, byte for byte, what a
cold build of the same content gives: after a body edit, a facet change, a new event, a
deleted news item and a date that unpublishes a case. Also a warm build (cache and a
previous site present) equals a cold one. The search index the preview brings up to date
in the background (serve.SearchCatchUp) equals a cold build's too.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import pytest

from site_builder.commands.serve import SearchCatchUp
from site_builder.content.reporter import ContentErrors
from site_builder.pipeline import FullBuildNeeded, build_site, update_site
from site_builder.site.search_index import BUNDLE
from tests.served_site import NOW, PROJECT

COPIED = ("cases", "events", "content", "theme", "mkdocs.yml")


def copy_project(target: Path) -> Path:
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def tree(site: Path, *, index: bool) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file() and (index or not path.relative_to(site).as_posix().startswith(f"{BUNDLE}/"))
    }


def assert_same_tree(live: Path, cold: Path, *, index: bool = False) -> None:
    mine, theirs = tree(live, index=index), tree(cold, index=index)
    assert sorted(mine) == sorted(theirs), (
        f"only in the live preview: {sorted(mine.keys() - theirs.keys())[:5]}; "
        f"only in the cold build: {sorted(theirs.keys() - mine.keys())[:5]}"
    )
    differing = [name for name in mine if mine[name] != theirs[name]]
    assert not differing, f"files that differ: {differing[:10]}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def publish_on(path: Path, when: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(r"^date: .*$", f"date: {when}", text, count=1, flags=re.MULTILINE)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("live") / "project")


def cold_build(project: Path, target: Path) -> Path:
    shutil.rmtree(project / ".cache", ignore_errors=True)
    build_site(project, target, NOW)
    return target


def test_updates_page_by_page_equal_a_cold_build(project: Path, tmp_path: Path):
    live_site = tmp_path / "live"
    build = build_site(project, live_site, NOW, live=True)
    pages = len(build.pages)
    case = project / "cases" / "kodomo-shokudo-manabi.md"
    steps = [
        # a body edit: the case's page and the lists it is on, nothing else
        ("body", [case], lambda: edit(case, "## ", "## 追記した見出し\n\n本文を書き足しました。\n\n## ")),
        # a ward added: a facet page appears and every case list's facet counts change
        ("facet", [case], lambda: edit(case, "wards:\n", "wards:\n  - tsurumi\n")),
    ]
    event = project / "events" / "live-update-new-event.md"
    steps.append(
        (
            "new event",
            [event],
            lambda: event.write_text(
                "---\ntitle: 追加したイベント\ndate: 2026-11-01T10:00\nsummary: 追加しました\n"
                "start: 2026-12-20T13:00\nend: 2026-12-20T15:00\nvenue: 市民協働推進センター\n---\n\n本文です。\n",
                encoding="utf-8",
            ),
        )
    )
    news = sorted((project / "content" / "news").glob("*.md"))[0]
    steps.append(("deleted news", [news], news.unlink))
    other = project / "cases" / "living-lab-mobility.md"  # public, linked by no other file
    steps.append(("unpublished", [other], lambda: publish_on(other, "2030-01-01T10:00")))
    # What serve does: page by page, or a full build when a page goes away (an editor's page,
    # which the engine writes, may link it).
    page_by_page = {"body": True, "facet": True, "new event": True, "deleted news": False, "unpublished": False}
    for name, changed, change in steps:
        change()
        try:
            build = update_site(build, project, live_site, NOW, frozenset(changed), _quiet())
            assert page_by_page[name], name
        except FullBuildNeeded:
            assert not page_by_page[name], name
            build = build_site(project, live_site, NOW, live=True)
        if name == "body":  # the edit touched a few pages, not the site
            assert 0 < build.memo.made < pages / 4, (build.memo.made, pages)
        assert_same_tree(live_site, cold_build(project, tmp_path / f"cold-{name.replace(' ', '-')}"))


def test_the_search_index_catches_up_to_a_cold_builds(project: Path, tmp_path: Path):
    live_site = tmp_path / "live"
    build = build_site(project, live_site, NOW, live=True)
    case = project / "cases" / "tagengo-bosai.md"
    edit(case, "## ", "## 検索で見つかる見出し\n\nかきくけこ索引確認用の文です。\n\n## ")
    build = update_site(build, project, live_site, NOW, frozenset([case]), _quiet())
    catch_up = SearchCatchUp(live_site)
    catch_up.catch_up(build.pages)
    assert catch_up.wait(120), "the search index did not catch up within 120 s"
    assert_same_tree(live_site, cold_build(project, tmp_path / "cold"), index=True)


def test_a_warm_build_equals_a_cold_one(project: Path, tmp_path: Path):
    cold = cold_build(project, tmp_path / "cold")
    build_site(project, tmp_path / "warm", NOW)  # the Markdown cache is there now
    build_site(project, tmp_path / "warm", NOW)  # and a previous site
    assert (project / ".cache").is_dir()
    assert_same_tree(tmp_path / "warm", cold, index=True)
    assert not filecmp.dircmp(tmp_path / "warm", cold).diff_files


def test_other_changes_need_a_full_build_and_errors_leave_the_preview(project: Path, tmp_path: Path):
    live_site = tmp_path / "live"
    build = build_site(project, live_site, NOW, live=True)
    with pytest.raises(FullBuildNeeded):
        update_site(build, project, live_site, NOW, frozenset([project / "mkdocs.yml"]), _quiet())
    with pytest.raises(FullBuildNeeded):
        update_site(build, project, live_site, NOW, frozenset([project / "content" / "about.md"]), _quiet())
    before = tree(live_site, index=True)
    case = project / "cases" / "university-shotengai.md"
    original = case.read_text(encoding="utf-8")
    case.write_text(original.replace("title:", "title_typo:", 1), encoding="utf-8")
    try:
        with pytest.raises(ContentErrors):
            update_site(build, project, live_site, NOW, frozenset([case]), _quiet())
    finally:
        case.write_text(original, encoding="utf-8")
    # checked alone (no address changes), the saved file's broken link is still found
    case.write_text(original + "\n[どこにもない](/cases/no-such-case/)\n", encoding="utf-8")
    try:
        with pytest.raises(ContentErrors) as raised:
            update_site(build, project, live_site, NOW, frozenset([case]), _quiet())
    finally:
        case.write_text(original, encoding="utf-8")
    assert [(e.path, e.field) for e in raised.value.reporter.errors] == [("cases/university-shotengai.md", "body")]
    assert tree(live_site, index=True) == before


def _quiet():
    from site_builder.context import Progress

    return Progress(quiet=True)


def write_news(project: Path, name: str, title: str, body: str) -> None:
    text = f"---\ntitle: {title}\ndate: 2026-11-01T10:00\nsummary: {title}です\n---\n\n{body}\n"
    (project / "content" / "news" / f"{name}.md").write_text(text, encoding="utf-8")


def test_a_renamed_item_is_followed_by_the_pages_and_channels_that_link_it(tmp_path: Path):
    """A slug change moves an item: the news body and the editor's page that link its file
    link its new address, on every channel, as a cold build writes them."""
    project = copy_project(tmp_path / "project")
    write_news(project, "links-a-case", "事例の紹介", "[多言語の防災](../../cases/tagengo-bosai.md)をご覧ください。")
    about = project / "content" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n[防災の事例](../cases/tagengo-bosai.md)\n", "utf-8")
    live_site = tmp_path / "live"
    build = build_site(project, live_site, NOW, live=True)
    case = project / "cases" / "tagengo-bosai.md"
    edit(case, "title:", "slug: tagengo-renamed\ntitle:")
    try:
        build = update_site(build, project, live_site, NOW, frozenset([case]), _quiet())
    except FullBuildNeeded:
        build = build_site(project, live_site, NOW, live=True)
    assert "tagengo-renamed" in (live_site / "feed.json").read_text(encoding="utf-8")
    assert_same_tree(live_site, cold_build(project, tmp_path / "cold"))


def test_a_save_that_removes_a_page_another_file_links_is_an_error(tmp_path: Path):
    """The saved file alone is checked only while the site keeps its pages: a ward that only
    this case had goes, and the news item linking that ward's list is reported."""
    project = copy_project(tmp_path / "project")
    write_news(project, "links-a-ward", "泉区の事例", "[泉区の事例](/cases/ward/izumi/)")
    case = project / "cases" / "tagengo-bosai.md"
    text = case.read_text(encoding="utf-8")
    case.write_text(re.sub(r"^wards:.*?(?=^\w)", "wards: [izumi]\n", text, count=1, flags=re.M | re.S), "utf-8")
    live_site = tmp_path / "live"
    build = build_site(project, live_site, NOW, live=True)
    edit(case, "wards: [izumi]", "wards: [nishi]")
    with pytest.raises(ContentErrors) as raised:
        update_site(build, project, live_site, NOW, frozenset([case]), _quiet())
    assert [(e.path, e.field) for e in raised.value.reporter.errors] == [("content/news/links-a-ward.md", "body")]


def test_editors_temporary_files_are_no_change():
    from site_builder.commands.serve import _temporary

    assert all(map(_temporary, [".a.md.swp", "4913", "a.md~", "#a.md#", ".#a.md", "a.md___jb_tmp___"]))
    assert not any(map(_temporary, ["a.md", "image.png", "mkdocs.yml"]))
