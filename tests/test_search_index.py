"""The Pagefind index holds every public page, ordinary pages included, and nothing else;
the indexer reads only pages' content regions, fails with a message, and stops when asked."""

from __future__ import annotations

import gzip
import json
import os
import signal
from pathlib import Path

import pytest

from site_builder.site.search_index import (
    BUNDLE,
    ENTRY,
    SearchIndexer,
    SearchIndexError,
    build_search_index,
    loaded_at_run_time,
)
from tests.golden import build_sample


@pytest.fixture(scope="module")
def fragments(tmp_path_factory) -> str:
    site = build_sample(tmp_path_factory.mktemp("search"))
    texts = []
    for path in sorted((site / "pagefind").rglob("*.pf_fragment")):
        texts.append(gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace"))
    # Pagefind stores Japanese text with its word breaks as zero-width spaces.
    return "\n".join(texts).replace("\u200b", "")


def test_ordinary_pages_are_searchable(fragments: str):
    assert "対話と創造の場として、協働の取組を推進します" in fragments  # content/about.md
    assert '"title":"センターについて"' in fragments  # its heading, without a permalink mark


def test_items_are_searchable(fragments: str):
    assert "子どもの居場所が足りないという声" in fragments  # cases/kodomo-shokudo.md


def test_lists_and_unpublished_items_are_not_indexed(fragments: str):
    assert "DRAFT-SECRET" not in fragments and "FUTURE-SECRET" not in fragments
    assert "条件で絞り込む" not in fragments  # the case list's facet box is navigation, not content


CASE = """<!DOCTYPE html><html lang="ja"><head><title>{title}</title></head><body>
<nav>協働事例 イベント</nav><main><article data-pagefind-body><h1>{title}</h1><p>{text}</p>
<p data-pagefind-ignore>戻る</p></article></main><footer>フッター</footer></body></html>"""


def index(site: Path, pages: dict[str, str]) -> dict[str, dict]:
    """Index ``{url: html}`` with a :class:`SearchIndexer`; its page files by URL."""
    indexer = SearchIndexer(site)
    for url, html in pages.items():
        indexer.add_page(url, html)
    indexer.finish()
    fragments = [read_fragment(path) for path in (site / BUNDLE / "fragment").glob("*.pf_fragment")]
    return {fragment["url"]: fragment for fragment in fragments}


def read_fragment(path: Path) -> dict:
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return json.loads(text[text.index("{") :])


def test_the_indexer_reads_only_the_content_region_of_pages_that_mark_one(tmp_path: Path):
    pages = {
        "/cases/a/": CASE.format(title="子ども食堂の居場所", text="地域の協働です。"),
        "/cases/": "<html><body><main><h1>協働事例</h1><p>子ども食堂の居場所</p></main></body></html>",
    }
    fragments = index(tmp_path, pages)
    assert list(fragments) == ["/cases/a/"]
    page = fragments["/cases/a/"]
    assert page["content"].replace("\u200b", "") == "子ども食堂の居場所 地域の協働です。"
    assert page["meta"]["title"] == "子ども食堂の居場所"
    assert page["word_count"] == 9 + 7  # pairs and each run's last character
    assert json.loads((tmp_path / ENTRY).read_text(encoding="utf-8"))["languages"]["ja"]["page_count"] == 1
    assert loaded_at_run_time(tmp_path)[ENTRY]  # site/prune.py keeps what Pagefind loads


def test_a_failing_index_says_why(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / BUNDLE).write_text("a file where the index's folder goes", encoding="utf-8")
    indexer = SearchIndexer(site)
    indexer.add_page("/cases/a/", CASE.format(title="居場所", text="協働"))
    with pytest.raises(SearchIndexError) as failure:
        indexer.finish()
    message = str(failure.value)
    assert message.startswith("the search index failed: [Errno 20] Not a directory: ") and "/site/pagefind/" in message
    assert failure.value.args[0].ja.startswith("検索用の索引を作れませんでした: ")


def test_abort_stops_the_index_and_writes_nothing(tmp_path: Path):
    indexer = SearchIndexer(tmp_path)
    indexer.add_page("/cases/a/", CASE.format(title="居場所", text="協働"))
    indexer.abort()
    assert indexer.process.returncode == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.killpg(indexer.process.pid, 0)  # nothing of its process group is left
    indexer.abort()
    indexer.finish()  # after abort: nothing to wait for
    assert not (tmp_path / ENTRY).exists()


def test_an_index_whose_build_stopped_writes_no_bundle(tmp_path: Path):
    indexer = SearchIndexer(tmp_path)
    indexer.add_page("/cases/a/", CASE.format(title="居場所", text="協働"))
    indexer.put(None)  # what the build's end would be, without asking for the bundle
    indexer.sender.join()
    assert indexer.process.wait(timeout=60) == 1
    assert not (tmp_path / ENTRY).exists()
    indexer.abort()


def test_the_finished_folder_can_be_indexed_too(tmp_path: Path):
    (tmp_path / "cases" / "a").mkdir(parents=True)
    (tmp_path / "cases" / "a" / "index.html").write_text(CASE.format(title="居場所", text="協働"), encoding="utf-8")
    build_search_index(tmp_path)
    [path] = (tmp_path / BUNDLE / "fragment").glob("*.pf_fragment")
    assert read_fragment(path)["url"] == "/cases/a/"
