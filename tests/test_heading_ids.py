"""Headings get ids from their own text, Japanese kept (``#開催概要``, never ``#_1``), in item
bodies (converted by the pipeline) and in ordinary pages (converted by the engine); their
permalink marks (and footnotes' back links) stay on the page but never reach the search index.

A real build of a scratch project; pages are read with lxml, the index from Pagefind's
fragments. tests/test_engines.py checks the same ids under every engine.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import lxml.html
import pytest

from site_builder.content.markdown import MarkdownRenderer, site_extensions
from site_builder.content.reporter import Reporter
from site_builder.content.settings import read_config

CASE = """
    ---
    title: 見出しのテスト
    date: 2020-07-01T10:00
    summary: 見出しの id を試す事例です。
    partners:
      - {name: 団体A, type: npo}
      - {name: 横浜市, type: government}
    status: ongoing
    ---

    ## 開催概要

    会場は協働ラボです。

    ## 開催概要

    二つ目の同じ見出し。

    ### Access & Map

    地図のご案内。
"""
PAGE = """
    ---
    title: 利用案内
    date: 2020-01-01
    summary: スペースの利用案内です。
    ---

    ## ご利用の流れ

    はじめにお申し込みください。

    ## 料金（税込）

    無料です[^1]。

    [^1]: 材料費は別にかかります。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from site_builder.cli import main
    from tests.conftest import new_project

    root = new_project(tmp_path_factory.mktemp("headings"), {"cases/headings.md": CASE, "content/guide.md": PAGE})
    assert main(["--root", str(root), "build", "--now", "2020-07-20T12:00", "--quiet"]) == 0
    return root / "site"


def headings(page: Path) -> list[tuple[str, str, str]]:
    """``(id, permalink href, text without the mark)`` of each h2/h3 in the page's body."""
    tree = lxml.html.parse(str(page))
    found = []
    for heading in tree.xpath("//div[@class='sb-body']//h2[@id] | //div[@class='sb-body']//h3[@id]"):
        (mark,) = heading.xpath("a[@class='headerlink']")
        found.append((heading.get("id"), mark.get("href"), (heading.text or "").strip()))
    return found


def test_item_headings_get_ids_from_their_text(site: Path):
    assert headings(site / "cases" / "headings" / "index.html") == [
        ("開催概要", "#開催概要", "開催概要"),
        ("開催概要_1", "#開催概要_1", "開催概要"),  # a repeated heading stays unique
        ("access-map", "#access-map", "Access & Map"),
    ]


def test_ordinary_page_headings_get_ids_from_their_text(site: Path):
    assert headings(site / "guide" / "index.html") == [
        ("ご利用の流れ", "#ご利用の流れ", "ご利用の流れ"),
        ("料金税込", "#料金税込", "料金（税込）"),
    ]


def test_no_page_has_a_numbered_id(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    numbered = [
        f"{page.relative_to(site)}: {element.get('id')}"
        for page in pages
        for element in lxml.html.parse(str(page)).xpath("//*[@id]")
        if element.get("id").lstrip("_").isdigit()
    ]
    assert numbered == []


def test_search_index_has_the_headings_without_permalink_marks(site: Path):
    fragments = [read_fragment(path) for path in sorted((site / "pagefind").rglob("*.pf_fragment"))]
    case = next(f for f in fragments if f["url"] == "/cases/headings/")
    assert [(anchor["id"], anchor["text"]) for anchor in case["anchors"] if anchor["element"] == "h2"] == [
        ("開催概要", "開催概要"),
        ("開催概要_1", "開催概要"),
    ]
    page = next(f for f in fragments if f["url"] == "/guide/")
    assert "はじめにお申し込みください" in page["content"]
    assert "材料費は別にかかります" in page["content"]  # the footnote, without its way back (↩)
    assert not [f["url"] for f in fragments if {"¶", "↩"} & set(json.dumps(f, ensure_ascii=False))]


def read_fragment(path: Path) -> dict:
    """One page of Pagefind's index: gzip, a signature, then JSON (Japanese word breaks as U+200B)."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return json.loads(text[text.index("{") :].replace("\u200b", ""))


def test_the_markdown_cache_key_names_the_id_function_not_its_address(tmp_path: Path):
    from tests.conftest import new_project

    config = read_config(new_project(tmp_path), Reporter(tmp_path))
    names, configs = site_extensions(config)
    salt = MarkdownRenderer(names, configs, None).salt
    assert "markdown.extensions.toc.slugify_unicode" in salt and " at 0x" not in salt
