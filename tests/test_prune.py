"""Only the files pages use are shipped (site_builder/site/prune.py).

Small inline sites show each rule of "used"; a real build of a scratch project (the sample
site plus editors' files that no page links, named like theme files) shows that the
engine's unused theme files and Pagefind's unused bundles go, that what pages load stays,
and that no content file is ever removed. tests/test_engines.py checks every engine's
pages against what is left; tests/test_browser.py searches in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.content import dates
from site_builder.site import prune
from site_builder.site.prune import Links, list_files, prune_unused
from site_builder.site.search_index import ENTRY
from tests.conftest import write_files
from tests.golden import GOLDEN, NOW, sample_project

SITE_URL = "https://www.example.org/"


def files_of(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


# --- the rules, on small sites ----------------------------------------------------


def test_a_file_is_used_when_a_page_a_stylesheet_or_a_script_names_it(tmp_path: Path):
    site = write_files(
        tmp_path,
        {
            "index.html": """
                <link rel="stylesheet" href="theme/main.css">
                <meta property="og:image" content="https://www.example.org/theme/card.png">
                <img srcset="theme/a.png 1x, theme/b.png 2x" alt="">
                <script src="/theme/app.js"></script>
                <script>window.extra = "theme/inline-loaded.js";</script>
                <script id="__config" type="application/json">{"worker": "theme/worker.js"}</script>
            """,
            "theme/main.css": "@import url('parts.css');\nbody{background:url(\"img/bg.svg\")}",
            "theme/parts.css": "@font-face{src:url(../fonts/sans.woff2) format('woff2')}",
            "theme/img/bg.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "fonts/sans.woff2": "font",
            "fonts/serif.woff2": "font",
            "theme/card.png": "png",
            "theme/a.png": "png",
            "theme/b.png": "png",
            "theme/app.js": "import(`${base}chunk.js`); new Worker(new URL('w2.js', import.meta.url)); "
            "fetch('page-data/list.json');",  # resolved against the page: any page's folder
            "guide/index.html": '<script src="../theme/app.js"></script>',
            "guide/page-data/list.json": "[]",
            "other/list.json": "[]",
            "theme/chunk.js": "export default 1;",
            "theme/w2.js": "postMessage(1)",
            "theme/inline-loaded.js": "1",
            "theme/worker.js": "importScripts(`${base}/lunr.${lang}.js`)",
            "theme/lunr.ja.js": "1",
            "theme/unused.css": "body{}",
        },
    )
    pruned = prune_unused(site, [], SITE_URL)
    assert pruned.removed == [
        "fonts/serif.woff2",
        "other/list.json",
        "theme/lunr.ja.js",
        "theme/unused.css",
        "theme/worker.js",
    ]
    assert pruned.size == len("font[]1body{}importScripts(`${base}/lunr.${lang}.js`)")
    assert {"theme/chunk.js", "fonts/sans.woff2", "guide/page-data/list.json"} <= files_of(site)


def test_source_maps_are_not_a_use_and_their_comments_go_with_them(tmp_path: Path):
    site = write_files(
        tmp_path,
        {
            "index.html": '<script src="app.js"></script><link rel="stylesheet" href="app.css">',
            "app.js": "run();\n//# sourceMappingURL=app.js.map\n",
            "app.js.map": "{}",
            "app.css": "a{}\n/*# sourceMappingURL=app.css.map */",
            "app.css.map": "{}",
        },
    )
    assert prune_unused(site, [], SITE_URL).removed == ["app.css.map", "app.js.map"]
    assert (site / "app.js").read_text() == "run();\n"
    assert (site / "app.css").read_text() == "a{}\n"


def test_kept_files_and_files_loaded_by_computed_names_stay(tmp_path: Path):
    site = write_files(
        tmp_path,
        {
            "index.html": '<script src="search/ui.js"></script>',
            "search/ui.js": "import(`${base}core.js`)",
            "search/core.js": "fetch(`${base}entry.json`)",
            "search/entry.json": '{"hash": "x1"}',
            "search/meta.x1": "data",
            "search/other-ui.js": "1",
            "downloads/tool.js": "an editor's download, linked from nowhere",
            "downloads/old/empty.map": "{}",
        },
    )
    pruned = prune_unused(site, ["/downloads/tool.js"], SITE_URL, loaded_with={"search/entry.json": ["search/meta.x1"]})
    assert pruned.removed == ["downloads/old/empty.map", "search/other-ui.js"]
    assert not (site / "downloads" / "old").exists()  # emptied folders go too
    assert {"downloads/tool.js", "search/meta.x1", "search/entry.json"} <= files_of(site)


# --- a real build -----------------------------------------------------------------

# An editor's files beside an ordinary page, which no page links, named like theme files:
# published as they are, never pruned.
EDITORS_FILES = {
    "content/tool.js": "// 配布用のスクリプト\n",
    "content/print.css": "body{}\n",
    "content/tool.js.map": "{}\n",
    "content/font.woff2": "font",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prune")
    project = write_files(sample_project(root / "project"), EDITORS_FILES)
    pipeline.build_site(project, root / "site", dates.as_instant(dates.parse_time(NOW)))
    return root / "site"


def test_no_source_map_lunr_worker_or_unused_pagefind_bundle_is_shipped(site: Path):
    names = files_of(site)
    assert not [n for n in names if n.endswith(".map") and not n.startswith("tool.")]
    assert not [n for n in names if "lunr" in n or "/workers/" in n]
    shipped = {n.removeprefix("pagefind/") for n in names if n.startswith("pagefind/") and "/" not in n[9:]}
    entry = json.loads((site / ENTRY).read_text(encoding="utf-8"))
    (language,) = entry["languages"].values()
    assert shipped == {  # the search page's own script uses pagefind.js: no Pagefind UI
        "pagefind.js",
        "pagefind-worker.js",
        "pagefind-entry.json",
        f"pagefind.{language['hash']}.pf_meta",
        f"wasm.{language['wasm'] or 'unknown'}.pagefind",
    }
    assert any(n.startswith("pagefind/fragment/") for n in names) and any(
        n.startswith("pagefind/index/") for n in names
    )


def test_no_shipped_script_or_stylesheet_names_a_missing_source_map(site: Path):
    dangling = []
    for path in sorted(site.rglob("*")):
        if path.suffix in (".js", ".css") and path.is_file():
            for mapped in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(encoding="utf-8", errors="replace")):
                if not mapped.startswith("data:") and not (path.parent / mapped).is_file():
                    dangling.append(f"{path.relative_to(site)} → {mapped}")
    assert dangling == []


def test_no_content_file_is_removed(site: Path):
    names = files_of(site)
    expected = set((GOLDEN / "FILES.txt").read_text(encoding="utf-8").split())
    assert expected <= names  # pages, feeds, calendars, API, sitemap, robots.txt
    assert {name.removeprefix("content/") for name in EDITORS_FILES} <= names
    assert (site / "tool.js").read_text(encoding="utf-8") == EDITORS_FILES["content/tool.js"]


def test_a_page_is_read_for_its_tags_and_code_only_and_reaches_what_its_whole_text_reaches(project_site, monkeypatch):
    """Reading a page's tags, styles and running scripts (not its words) finds every file that
    reading the whole page finds, on the project's built site; and text between tags names nothing."""
    files = list_files(project_site)
    kept = {name for name in files if name.endswith((".html", ".xml", ".json", ".ics", ".csv"))}
    links = Links(files, kept, "https://example.org/")
    loaded = {}
    used, _ = prune.reached(project_site, links, loaded)
    with monkeypatch.context() as patched:
        patched.setattr(prune, "html_loads", lambda text: text)  # the whole page
        assert prune.reached(project_site, links, loaded)[0] == used
    page = '<p>assets/site.css</p><link href="assets/x.css"><script type="application/ld+json">{"a": "b.js"}</script>'
    assert prune.html_loads(page) == '<p>\n<link href="assets/x.css">\n<script type="application/ld+json">'


def test_pruning_in_two_steps_reads_the_bundle_s_users_last_and_removes_the_same(project_site: Path, tmp_path: Path):
    """A build prunes while its search bundle is still being written: the files that name the
    bundle's folder wait for it; the result is what pruning the finished site in one step gives."""
    import shutil

    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(project_site, one)
    shutil.copytree(project_site, two)
    bundle = two / "pagefind"
    hidden = tmp_path / "bundle"
    bundle.rename(hidden)  # not written yet
    keep = [path.relative_to(one).as_posix() for path in one.rglob("*.html")]
    steps = prune.Pruning(two, keep, "https://example.org/", later="pagefind/")
    assert steps.waiting, "the search page names the bundle: it waits"
    hidden.rename(bundle)
    loaded = {"pagefind/pagefind-entry.json": []}
    first = prune_unused(one, keep, "https://example.org/", loaded)
    second = steps.finish(loaded)
    assert first.removed == second.removed and first.removed
    assert files_of(one) == files_of(two)
