"""The benchmark harness on a few items, nothing timed: the Hugo project that
bench/hugo_site.py writes builds with the real Hugo and shows every item's body,
bench/preview_latency.py sees every save in a real ``site-builder serve`` and ``hugo server``,
and bench/recall.py's queries each have pages to find, its relevance reads what the built
pages show, and its reading of the search page lists every result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402 imported after bench/ joins sys.path
import hugo_site  # noqa: E402 imported after bench/ joins sys.path
import preview_latency  # noqa: E402 imported after bench/ joins sys.path
import queries  # noqa: E402 imported after bench/ joins sys.path
import recall  # noqa: E402 imported after bench/ joins sys.path
import recall_report  # noqa: E402 imported after bench/ joins sys.path

from tests.served_site import item_texts  # noqa: E402 after the imports of bench/

# The queries of the benchmark before it had kinds: kept, so that its figures compare.
EARLIER = ["子ども食堂", "防災マップ", "多文化共生", "空き家", "フードバンク", "商店街", "プログラミング"]
EARLIER += ["認知症", "見守り", "里山", "やさしい日本語", "乗合タクシー", "避難所"]


def test_hugo_builds_every_item_with_its_body(tmp_path):
    items = generate.generate_items(30)
    project = tmp_path / "hugo"
    hugo_site.write_hugo(project, items)
    subprocess.run(hugo_site.build_command(project), check=True, capture_output=True, timeout=120)
    linked = 0
    for item in items:
        page = project / "public" / hugo_site.item_url(item).strip("/") / "index.html"
        article = lxml.html.parse(str(page)).find(".//article")
        assert article.findtext("h1") == item.title
        text = article.text_content()
        for fragment in [item.front["summary"], *queries.body_lines(item.body)]:
            assert fragment in text, (item.slug, fragment)
        hrefs = [a.get("href") for a in article.iter("a")]
        assert not [href for href in hrefs if href.endswith(".md")], item.slug  # every link resolved to a page
        linked += len(hrefs)
    assert linked > 0  # the bodies link to each other, and Hugo resolved those links


def test_preview_latency_sees_every_save(tmp_path):
    items = generate.generate_items(20)
    case = preview_latency.newest_case(items)
    project, hugo = tmp_path / "project", tmp_path / "hugo"
    generate.write_project(project, items)
    hugo_site.write_hugo(hugo, items)
    for target, original in [
        (preview_latency.ours(project, items), generate.file_text(case)),
        (preview_latency.hugo(hugo, items), hugo_site.item_text(case)),
    ]:
        latency = preview_latency.measure_preview(target, edits=2, timeout=60, startup_timeout=120)
        assert len(latency.seconds) == 2
        assert latency.timeouts == 0, latency.seconds  # the marker of each save was seen on the page
        assert target.source.read_text(encoding="utf-8") == original  # the case is put back


def test_the_queries_are_of_every_kind_and_each_has_pages_to_find():
    asked = [query for _, query in queries.QUERIES]
    assert len(asked) >= 60 and len(set(asked)) == len(asked)
    assert [query for query in asked if query in EARLIER] == EARLIER
    kinds = {"kanji compound", "katakana", "hiragana", "mixed script", "ward", "series", "partner"}
    assert kinds | {"width variant", "two words"} <= set(queries.KINDS)
    wanted = queries.relevant(generate.generate_items(1000), asked)
    assert not [query for query in asked if not wanted[query]]


def test_markdown_is_taken_out_of_bodies_as_the_page_shows_them():
    body = "## 背景\n\n**3R**の[案内](../news/a.md)と*ふれあい*、`Wi-Fi`。\n\n- 一つ目\n1. 二つ目\n> 引用 ##\n"
    assert queries.body_lines(body) == ["背景", "3Rの案内とふれあい、Wi-Fi。", "一つ目", "二つ目", "引用 ##"]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    items = generate.generate_items(60)
    project = tmp_path_factory.mktemp("recall") / "project"
    generate.write_project(project, items)
    command = [recall.run.SITE_BUILDER, "build", "--now", generate.NOW, "--quiet"]
    subprocess.run(command, cwd=project, check=True, capture_output=True, timeout=300)
    return items, project / "site"


def test_relevant_pages_show_their_query_on_the_built_page(small_site):
    items, site = small_site
    asked = [query for _, query in queries.QUERIES]
    wanted = queries.relevant(items, asked)
    on_page = recall.on_pages(item_texts(site, recall_report.ITEMS), asked)
    assert {query: wanted[query] - on_page[query] for query in asked} == {query: set() for query in asked}
    assert sum(map(len, wanted.values())) > 200


def test_the_search_page_lists_every_result(small_site):
    items, site = small_site
    asked = ["コーディネーター", "鶴見", "ＮＰＯ法人", "子ども食堂 運営"]  # the first needs さらに表示
    wanted = queries.relevant(items, asked)
    shown = recall.search_page(site, asked)
    assert len(shown["コーディネーター"]) > 10
    assert {query: wanted[query] - set(shown[query]) for query in asked} == {query: set() for query in asked}
    assert all(len(set(urls)) == len(urls) for urls in shown.values())


def test_the_report_names_what_was_missed_and_what_was_shown_wrongly():
    items = generate.generate_items(40)
    asked = [query for _, query in queries.QUERIES]
    wanted = queries.relevant(items, asked)
    shown = {query: sorted(urls) for query, urls in wanted.items()}
    missed = sorted(wanted["子ども食堂"])[0]
    shown["子ども食堂"] = ["/about/", *shown["子ども食堂"][1:]]
    measured = recall_report.Measured(
        items={item.url: item for item in items},
        wanted=wanted,
        shown=shown,
        on_page=wanted,
        holding={query: set(urls) - {"/about/"} for query, urls in shown.items()},
        lunr={query: set() for query in asked},
    )
    text = recall_report.section(40, measured)
    assert f"* Not found, 子ども食堂: {missed} (shown on its page; in “" in text
    assert "* Shown, without the query, 子ども食堂: /about/ (1 in all)" in text
    assert measured.first_five("子ども食堂").startswith(recall_report.OTHER)
