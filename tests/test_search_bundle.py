"""Pagefind's bundle as site/search/bundle.py writes it: read back with an independent
CBOR reader, compared with what Pagefind's own indexer writes for the same words, and
searched with Pagefind's own search code (pagefind.js and its WebAssembly) in Node."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import cbor2
import pytest

from site_builder.site.search.bundle import SIGNATURE, BundleWriter, lookup_group, pagefind_executable
from site_builder.site.search.text import (
    KANA_KANJI_WORD,
    WORD_WEIGHT,
    ZERO_WIDTH_SPACE,
    SearchPage,
    index_key,
    search_page,
)

PROJECT = Path(__file__).resolve().parent.parent


def read_packed(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(SIGNATURE), path
    return data[len(SIGNATURE) :]


def read_bundle(bundle: Path) -> dict:
    """Every language's index, decoded as Pagefind 1.5's search code decodes it
    (pagefind_web/src/index.rs, metadata.rs, filter_index.rs), pages named by URL."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    decoded = {}
    for language, about in entry["languages"].items():
        version, pages, chunks, filters, sorts, fields = cbor2.loads(
            read_packed(bundle / f"pagefind.{about['hash']}.pf_meta")
        )
        fragments = [json.loads(read_packed(bundle / "fragment" / f"{name}.pf_fragment")) for name, _ in pages]
        urls = [fragment["url"] for fragment in fragments]
        words = {}
        for start, end, name in chunks:
            [chunk] = cbor2.loads(read_packed(bundle / "index" / f"{name}.pf_index"))
            for key, entries, variants in chunk:
                assert start <= key[: len(start)] and key[: len(end)] <= end, (start, key, end)
                words[key] = {
                    "pages": decode_pages(entries, urls, fields),
                    "variants": {form: decode_pages(v, urls, fields) for form, v in variants},
                }
        decoded[language] = {
            "version": version,
            "page_count": about["page_count"],
            "word_counts": {url: count for url, (_, count) in zip(urls, pages, strict=True)},
            "words": words,
            "filters": {
                name: {
                    value: {urls[p] for p in ps}
                    for value, ps in cbor2.loads(read_packed(bundle / "filter" / f"{h}.pf_filter"))[1]
                }
                for name, h in filters
            },
            "sorts": {name: [urls[p] for p in ps] for name, ps in sorts},
            "fragments": {f["url"]: {k: f[k] for k in ("word_count", "filters", "meta")} for f in fragments},
        }
    return decoded


def decode_pages(entries: list, urls: list[str], fields: list[str]) -> dict:
    """``{url: (sorted (weight, position) pairs, sorted (field, position) pairs)}``."""
    pages, page = {}, 0
    for delta, locs, meta_locs in entries:
        page += delta
        meta = [(fields[field], position) for field, position in undo_differences(meta_locs, 0)]
        pages[urls[page]] = (sorted(undo_differences(locs, 25)), sorted(meta))
    return pages


def undo_differences(values: list[int], mark: int) -> list[tuple[int, int]]:
    """Pagefind's lists of positions: ``-mark - 1`` sets the mark (a weight, a metadata
    field) and starts over, each other value is the difference from the position before."""
    found, last = [], 0
    for value in values:
        if value < 0:
            mark, last = -value - 1, 0
        else:
            last += value
            found.append((mark, last))
    return found


class PagefindService:
    """Pagefind's own indexer (``pagefind --service``), fed custom records."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [pagefind_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.sent = 0
        self.ask({"type": "NewIndex", "config": {}})

    def ask(self, payload: dict) -> dict:
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode("utf-8")
        self.sent += 1
        self.process.stdin.write(base64.b64encode(message) + b",")
        self.process.stdin.flush()
        answer = b""
        while not answer.endswith(b","):
            answer += self.process.stdout.read(1)
        reply = json.loads(base64.b64decode(answer[:-1]))["payload"]
        assert reply["type"] != "Error", reply
        return reply

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# Words as a page has them: pairs of kanji and kana, Latin words with capitals, diacritics
# and digits, repeated words; metadata in Latin words (Pagefind splits those at spaces,
# as search/text.py does); filters with several values; sort keys of both kinds.
PAGES = [
    ("/a/", ["子ど", "ども", "も食", "食堂", "NPO", "café", "子ど", "ども", "Café"], {"title": "Alpha beta"},
     {"ward": ["南区", "中区"]}, {"date": "2024-05-01", "rank": "10"}),
    ("/b/", ["食堂", "の話", "npo", "cafe", "CAFÉ", "3r", "食堂"], {"title": "Beta gamma", "summary": "Delta"},
     {"ward": ["南区"]}, {"date": "2023-01-31", "rank": "9"}),
    ("/c/", ["南区", "区で", "SDGs", "2024"], {"title": "Gamma"}, {}, {"date": "2025-12-24", "rank": "10.5"}),
]  # fmt: skip


def search_pages() -> list[SearchPage]:
    return [
        SearchPage(url, "ja", words, {}, ZERO_WIDTH_SPACE.join(words), [], meta, filters, sort)
        for url, words, meta, filters, sort in PAGES
    ]


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict:
    bundle = tmp_path_factory.mktemp("ours") / "pagefind"
    writer = BundleWriter(bundle)
    for page in search_pages():
        writer.add(page)
    writer.finish()
    return read_bundle(bundle)


@pytest.fixture(scope="module")
def pagefinds(tmp_path_factory) -> dict:
    bundle = tmp_path_factory.mktemp("pagefind") / "pagefind"
    service = PagefindService()
    for url, words, meta, filters, sort in PAGES:
        content = " ".join(index_key(word)[0] if KANA_KANJI_WORD.match(word) else word for word in words)
        record = {"url": url, "content": content, "language": "ja", "meta": meta, "filters": filters, "sort": sort}
        service.ask({"type": "AddRecord", "index_id": 0, **record})
    service.ask({"type": "WriteFiles", "index_id": 0, "output_path": str(bundle)})
    service.close()
    return read_bundle(bundle)


def test_every_word_is_where_pagefind_puts_it(ours, pagefinds):
    mine, theirs = ours["ja"]["words"], pagefinds["ja"]["words"]
    assert mine and set(mine) <= set(theirs)
    for key, entry in mine.items():
        assert entry == theirs[key], key
    # Pagefind also keeps the parts of what it takes for compound words (``_05b50…``, ``SDGs``):
    # words no query of search.js asks for.
    assert all(any(other in key for key in mine) for other in set(theirs) - set(mine))
    assert mine["cafe"] == {
        "pages": {"/b/": ([(WORD_WEIGHT, 3)], [])},
        "variants": {"café": {"/a/": ([(WORD_WEIGHT, 5), (WORD_WEIGHT, 8)], []), "/b/": ([(WORD_WEIGHT, 4)], [])}},
    }


def test_pages_filters_sorts_and_metadata_are_pagefinds(ours, pagefinds):
    for part in ("version", "page_count", "word_counts", "filters", "sorts", "fragments"):
        assert ours["ja"][part] == pagefinds["ja"][part], part
    assert ours["ja"]["sorts"] == {"date": ["/b/", "/a/", "/c/"], "rank": ["/b/", "/a/", "/c/"]}


def test_heading_words_weigh_more(tmp_path):
    html = '<html lang="ja"><body><main data-pagefind-body><h1>居場所</h1><h2 id="x">食堂</h2><p>居場所の食堂</p>'
    writer = BundleWriter(tmp_path / "pagefind")
    writer.add(search_page("/a/", html.encode("utf-8")))
    writer.finish()
    words = read_bundle(tmp_path / "pagefind")["ja"]["words"]
    # 居場 場所 所 | 食堂 堂 | 居場 場所 所の の食 食堂 堂: each run's last character alone after its pairs
    assert words[index_key("居場")[0]]["pages"]["/a/"] == ([(WORD_WEIGHT, 5), (7 * WORD_WEIGHT, 0)], [("title", 0)])
    assert words[index_key("食堂")[0]]["pages"]["/a/"] == ([(WORD_WEIGHT, 9), (6 * WORD_WEIGHT, 3)], [])


def test_the_same_pages_give_the_same_bundle(tmp_path):
    for name in ("one", "two"):
        writer = BundleWriter(tmp_path / name)
        for page in search_pages():
            writer.add(page)
        writer.finish()
    files = sorted(path.relative_to(tmp_path / "one") for path in (tmp_path / "one").rglob("*") if path.is_file())
    assert files == sorted(
        path.relative_to(tmp_path / "two") for path in (tmp_path / "two").rglob("*") if path.is_file()
    )
    assert all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files)


ARTICLES = {
    "/cases/a/": "子ども食堂を運営するNPO法人と、地域の居場所づくり。",
    "/cases/b/": "子どもと食堂の話。居場所の話ではない。",
    "/cases/c/": "ＮＰＯ法人の「こども食堂」。",
    "/cases/d/": "学習支援の居場所づくり。Café と cafe。",
}


def test_pagefinds_search_code_finds_what_the_pages_contain(tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    shutil.copy(PROJECT / "theme" / "assets" / "search.js", site / "assets" / "search.js")
    writer = BundleWriter(site / "pagefind")
    for url, text in ARTICLES.items():
        html = f'<html lang="ja"><body><article data-pagefind-body><h1>{url}</h1><p>{text}</p></article>'
        writer.add(search_page(url, html.encode("utf-8")))
    writer.finish()
    queries = {
        "子ども食堂": ["/cases/a/"],
        "NPO法人": ["/cases/a/", "/cases/c/"],
        "居場所づくり": ["/cases/a/", "/cases/d/"],
        '"居場所の話"': ["/cases/b/"],
        "こども": ["/cases/c/"],
        "café": ["/cases/d/"],
    }
    (tmp_path / "queries.json").write_text(json.dumps(list(queries), ensure_ascii=False), encoding="utf-8")
    command = ["node", str(PROJECT / "bench" / "search_query.mjs"), "site", str(site), str(tmp_path / "queries.json")]
    found = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout)
    assert found == queries


# A site big enough for several index chunks: pages of short runs of a few kanji and kana
# (so that many pairs begin with each character) and numbers.
CHARACTERS = "市区町村課第回月日年会子食堂地域福祉活動支援講座相談のとにをはがでも"


def generated_pages(count: int = 300) -> dict[str, str]:
    pick = random.Random(7)
    pages = {}
    for number in range(count):
        runs = ["".join(pick.choices(CHARACTERS, k=pick.randint(2, 6))) for _ in range(60)]
        text = "、".join(f"{run}{pick.randint(1, 400)}" if pick.random() < 0.2 else run for run in runs)
        pages[f"/cases/p{number}/"] = text
    return pages


@pytest.fixture(scope="module")
def chunked_site(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    site = tmp_path_factory.mktemp("chunked") / "site"
    (site / "assets").mkdir(parents=True)
    shutil.copy(PROJECT / "theme" / "assets" / "search.js", site / "assets" / "search.js")
    writer = BundleWriter(site / "pagefind")
    pages = generated_pages()
    for url, text in pages.items():
        html = f'<html lang="ja"><body><article data-pagefind-body><p>{text}</p></article>'
        writer.add(search_page(url, html.encode("utf-8")))
    writer.finish()
    return site, pages


def chunk_keys(bundle: Path) -> list[tuple[str, str, list[str]]]:
    """Each word chunk's bounds and keys, in order."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    chunks = cbor2.loads(read_packed(bundle / f"pagefind.{entry['languages']['ja']['hash']}.pf_meta"))[2]
    return [
        (start, end, [word[0] for word in cbor2.loads(read_packed(bundle / "index" / f"{name}.pf_index"))[0]])
        for start, end, name in chunks
    ]


def test_no_chunk_cuts_the_keys_a_term_finds_and_each_term_s_chunk_is_the_one_pagefind_loads(chunked_site):
    chunks = chunk_keys(chunked_site[0] / "pagefind")
    assert len(chunks) >= 4
    for before, after in itertools.pairwise(chunks):
        assert lookup_group(before[2][-1]) != lookup_group(after[2][0]), (before[2][-1], after[2][0])
    for number, (_, _, keys) in enumerate(chunks):
        for key in keys:
            for term in (key, lookup_group(key)):
                # Pagefind's search code takes the first chunk whose bounds hold the term
                loaded = next(n for n, (start, end, _) in enumerate(chunks) if start <= term <= end)
                assert loaded == number, (term, chunks[loaded][:2], chunks[number][:2])


def test_a_query_of_one_character_finds_every_page_that_has_it(chunked_site, tmp_path):
    site, pages = chunked_site
    expected = {char: sorted(url for url, text in pages.items() if char in text) for char in CHARACTERS}
    for digit in "123456789":  # a number is one word: 2 begins 2, 21 and 243, not 12
        expected[digit] = sorted(url for url, text in pages.items() if re.search(rf"(?<![0-9]){digit}", text))
    (tmp_path / "queries.json").write_text(json.dumps(list(expected), ensure_ascii=False), encoding="utf-8")
    command = ["node", str(PROJECT / "bench" / "search_query.mjs"), "site", str(site), str(tmp_path / "queries.json")]
    found = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout)
    missed = {query: len(set(urls) - set(found[query])) for query, urls in expected.items()}
    assert not {query: count for query, count in missed.items() if count}, "pages not found"
    assert found == expected
