"""One resolver for the files and links of an item (site_builder/content/links.py).

A real build of a scratch project whose case refers to its files every way an
editor can: inline and reference-style Markdown, raw HTML, a front-matter image.
The site gets links relative to the page, the feed and the API absolute ones, and
exactly the referenced files are copied. (A link to a draft or to a missing file is
refused by `check` before any build: tests/test_link_check.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from site_builder.content.links import LinkedBody, Resolver, file_site_path, relative_url

SITE = "https://www.yokohama-kyodo.example/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

CASE = """
    ---
    title: 参照のテスト
    date: 2020-07-01T10:00
    summary: 参照の書き方をすべて試す事例です。
    partners:
      - {name: 団体A, type: npo}
      - {name: 横浜市, type: government}
    status: ongoing
    image: images/cover.png
    image_alt: 表紙の写真
    ---

    インラインの画像 ![地図](images/map.png) と[資料](files/guide.pdf)。

    参照形式の[イベント][ev]、[センターについて](../content/about.md)。

    <p><img src="images/raw.png" alt="生のHTML"> <a href="../events/talk.md#program">プログラム</a></p>

    [サイトの一覧](/cases/)と[外部](https://example.org/a.png)。

    [ev]: ../events/talk.md
"""
EVENT = """
    ---
    title: 対話の会
    date: 2020-07-01T09:00
    summary: 対話の会です。
    start: 2020-08-01T14:00
    venue: 協働ラボ
    ---

    本文
"""
HIDDEN = """
    ---
    title: 下書きの事例
    date: 2020-07-01T10:00
    summary: まだ公開しない事例です。
    draft: true
    partners:
      - {name: 団体A, type: npo}
      - {name: 横浜市, type: government}
    status: planning
    ---
"""
ABOUT = """
    ---
    title: センターについて
    date: 2020-01-01
    summary: センターの紹介です。
    ---

    紹介文と[参照のテスト](../cases/refs.md#top)、[対話の会](../events/talk.md)。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from site_builder.cli import main
    from tests.conftest import new_project

    root = new_project(
        tmp_path_factory.mktemp("links"),
        {
            "cases/refs.md": CASE,
            "cases/hidden.md": HIDDEN,
            "events/talk.md": EVENT,
            "content/about.md": ABOUT,
            "cases/images/cover.png": PNG,
            "cases/images/map.png": PNG,
            "cases/images/raw.png": PNG,
            "cases/images/unused.png": PNG,
            "cases/files/guide.pdf": b"%PDF-1.4\n",
            "content/newsletter/2020-07a.md": "---\ntitle: 7月号\ndate: 2020-07-01T09:00\n---\n![図](images/fig.png)\n",
            "content/newsletter/images/fig.png": PNG,
        },
    )
    assert main(["--root", str(root), "build", "--now", "2020-07-20T12:00", "--quiet"]) == 0
    return root / "site"


def body_links(page: Path) -> dict[str, str]:
    """Text of each link or alt of each image in the page body -> its href/src."""
    tree = lxml.html.parse(str(page))
    found = {}
    for element in tree.xpath("//div[@class='sb-body']//a | //div[@class='sb-body']//img"):
        found[element.get("alt") or element.text_content()] = element.get("href") or element.get("src")
    return found


def test_the_site_gets_every_reference_relative_to_the_page(site: Path):
    assert body_links(site / "cases/refs/index.html") == {
        "地図": "../images/map.png",
        "資料": "../files/guide.pdf",
        "イベント": "../../events/talk/",
        "センターについて": "../../about/",
        "生のHTML": "../images/raw.png",
        "プログラム": "../../events/talk/#program",
        "サイトの一覧": "/cases/",
        "外部": "https://example.org/a.png",
    }


def test_an_ordinary_page_links_items_by_their_markdown_files_too(site: Path):
    """The engine knows only the ordinary pages: the links it leaves to items' files become their pages."""
    tree = lxml.html.parse(str(site / "about/index.html"))
    links = {a.text_content(): a.get("href") for a in tree.xpath("//div[@class='sb-content']//a[@href]")}
    assert links["参照のテスト"] == "../cases/refs/#top"
    assert links["対話の会"] == "../events/talk/"
    assert not any(href.endswith(".md") or ".md#" in href for href in links.values())


def test_exactly_the_referenced_files_are_copied(site: Path):
    copied = sorted(
        p.relative_to(site).as_posix()
        for p in (site / "cases").rglob("*")
        if p.is_file() and p.suffix in (".png", ".pdf")
    )
    assert copied == ["cases/files/guide.pdf", "cases/images/cover.png", "cases/images/map.png", "cases/images/raw.png"]
    assert not (site / "theme").exists() and not (site / "cases/theme").exists()
    assert (site / "newsletter/images/fig.png").read_bytes() == PNG  # a newsletter edition's too


def test_feeds_and_the_api_get_the_same_references_absolute(site: Path):
    api = json.loads((site / "api/cases.json").read_text(encoding="utf-8"))
    record = next(item for item in api["items"] if item["slug"] == "refs")
    assert record["image"] == SITE + "cases/images/cover.png"
    rss = lxml.etree.parse(str(site / "cases/feed.xml"))
    encoded = rss.findtext(".//item/{http://purl.org/rss/1.0/modules/content/}encoded")
    for body in (record["body_html"], encoded):
        hrefs = set(lxml.html.fragment_fromstring(body, create_parent="div").xpath("//@href | //@src"))
        assert {
            SITE + "cases/images/map.png",
            SITE + "cases/files/guide.pdf",
            SITE + "events/talk/",
            SITE + "events/talk/#program",
            SITE + "cases/images/raw.png",
            SITE + "about/",
        } <= hrefs
        assert not any(href.endswith(".md") and href.startswith(SITE + "events") for href in hrefs)


def test_the_resolver_keeps_fragments_and_skips_what_is_not_a_file(tmp_path: Path):
    (tmp_path / "cases/images").mkdir(parents=True)
    (tmp_path / "cases/images/a b.png").write_bytes(PNG)
    case = tmp_path / "cases/x.md"
    resolver = Resolver(tmp_path, {(tmp_path / "events/y.md").resolve(): "/events/y/"})
    html = (
        '<a href="../events/y.md?from=x#top">y</a><img src="images/a b.png">'
        '<a href="images/">folder</a><a href="#here">here</a><a href="mailto:a@example.org">mail</a>'
    )
    linked = resolver.link_body(case, html)
    assert linked.html(lambda path: f"[{path}]") == (
        '<a href="[/events/y/?from=x#top]">y</a><img src="[/cases/images/a b.png]">'
        '<a href="images/">folder</a><a href="#here">here</a><a href="mailto:a@example.org">mail</a>'
    )
    assert linked.files == (((tmp_path / "cases/images/a b.png").resolve(), "/cases/images/a b.png"),)
    assert LinkedBody(("only html",)).html(str.upper) == "only html"


def test_files_are_published_under_their_kinds_url():
    root = Path("/project")
    assert file_site_path(root, root / "cases/images/a.png") == "/cases/images/a.png"
    assert file_site_path(root, root / "content/news/img/b.jpg") == "/news/img/b.jpg"
    assert file_site_path(root, root / "content/images/c.svg") == "/images/c.svg"
    assert file_site_path(root, root / "content/data/d.csv") is None  # datasets: beside their issue page only
    assert file_site_path(root, root / "theme/e.png") is None
    assert file_site_path(root, Path("/etc/passwd")) is None
    assert relative_url("/cases/images/a.png", "/cases/x/") == "../images/a.png"
