"""Pagefind's bundle, written page by page in the format of the Pagefind it ships with.

Pagefind's own indexer holds every page's words until the end, about 0.8 KB for each
word of each page: 1 GB for this site's 5,000 items. This writer packs each word's pages
as pages come (packing.py) and writes each page's file at once; Pagefind's search code
(pagefind.js, its WebAssembly, Pagefind UI) comes from Pagefind itself, run on an empty
page beside the build (:class:`SearchCode`).

Per language, as Pagefind 1.5 writes them: a metadata file (the pages with their word
counts, the word chunks, filters, sorts, metadata field names), the word chunks in word
order, filter chunks, and one file per page (its text as shown, metadata, sections).
Words are kept under :func:`text.index_key`. No stemming: every language uses Pagefind's
generic search code. tests/test_search_bundle.py compares the files with those Pagefind
writes for the same words.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from site_builder.site.search.packing import (
    ENTRY_STARTS,
    ONCE,
    TABLE,
    BundleError,
    Postings,
    cbor_array,
    cbor_int,
    cbor_ints,
    cbor_text,
    entry_start,
    short_hash,
)
from site_builder.site.search.text import SearchPage, cut_words, index_key

SIGNATURE = b"pagefind_dcd"  # what Pagefind's gzip files begin with, once unpacked
CHUNK_SIZE = 20000  # Pagefind's default index_chunk_size: positions per word chunk
COMPRESSION = 4  # gzip level: 5 % larger than Pagefind's 9, 20 times faster


def pagefind_executable() -> str:
    try:
        import pagefind_bin  # Pagefind's own build; without the extended build's Japanese dictionary
    except ImportError:
        raise BundleError("Pagefind is not installed (the Python package pagefind-bin)") from None
    return str(pagefind_bin.get_executable())


# -- the writer ----------------------------------------------------------------------------


class LanguageIndex:
    """The index of one language: page numbers in the order pages come."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.pages: list[tuple[str, int]] = []  # page file hash, word count
        self.words: dict[str, Postings] = {}
        self.targets: dict[str, Postings] = {}  # each word seen: where it is packed
        self.nowhere = Postings()  # what is packed for words that have no key: never written
        self.folded: dict[int, str] = {}  # a word of each target
        self.merged: set[str] = set()  # words that share a target with another
        self.fields: dict[str, int] = {}  # metadata field → id, in the order first seen
        self.filters: dict[str, dict[str, list[int]]] = {}
        self.sorts: dict[str, list[tuple[str, int]]] = {}

    def add(self, page: SearchPage, number: int) -> None:
        """Pack the words of ``page``, page ``number`` of this language. Most words occur
        once on a page, with the usual weight and not in its metadata: their entries are
        packed here, from tables; the others by :meth:`Postings.add`."""
        words = page.words
        first = dict(zip(reversed(words), range(len(words) - 1, -1, -1), strict=True))  # word → its first position
        meta = self.meta_words(page)
        every = [*first, *(word for word in meta if word not in first)]
        for word in every:
            if word not in self.targets:
                self.target(word)
        if not self.merged.isdisjoint(every):
            self.add_merged(page, number, every, meta)
            self.add_facets(page, number)
            return
        weighted = page.weighted
        repeated = () if len(first) == len(words) else {w for w, n in Counter(words).items() if n > 1}
        special = {*meta, *(words[position] for position in weighted)}
        found: dict[str, list[int]] = {word: [] for word in (*repeated, *special)}
        if found:
            for position, word in enumerate(words):
                if word in found:
                    found[word].append(position)
        targets, starts, once = self.targets, ENTRY_STARTS, ONCE
        for word, position in first.items():
            target = targets[word]
            if word in special or position >= TABLE:
                target.add(number, found.get(word) or [position], weighted, meta.get(word, []))
            elif word in found:
                target.add_repeated(number, found[word])
            else:  # once, with the usual weight: most words (Postings.add, inlined)
                delta = number - target.last_page
                target.data += (starts[delta] if delta < TABLE else entry_start(delta)) + once[position]
                target.count += 1
                target.last_page = number
                target.size += 3
        for word in every[len(first) :]:  # only in the metadata
            targets[word].add(number, [], weighted, meta[word])
        self.add_facets(page, number)

    def meta_words(self, page: SearchPage) -> dict[str, list[tuple[int, int]]]:
        """The words of the page's metadata, each with its ``(field, position)`` pairs."""
        meta: dict[str, list[tuple[int, int]]] = {}
        for name, value in sorted(page.meta.items()):
            field = self.fields.setdefault(name, len(self.fields))
            for position, word in enumerate(cut_words(value)[0]):
                meta.setdefault(word, []).append((field, position))
        return meta

    def add_merged(self, page: SearchPage, number: int, every: list[str], meta: dict) -> None:
        """:meth:`add`, one entry for all words that fold alike (``Ab`` and ``ab``)."""
        entries: dict[int, tuple[Postings, list[int], list[tuple[int, int]]]] = {}
        for word in every:
            target = self.targets[word]
            entries.setdefault(id(target), (target, [], []))[2].extend(meta.get(word, ()))
        for position, word in enumerate(page.words):
            entries[id(self.targets[word])][1].append(position)
        for target, positions, in_meta in entries.values():
            target.add(number, positions, page.weighted, in_meta)

    def target(self, word: str) -> None:
        """Note where a word's pages are packed: its key's postings, or its form's among them
        (:attr:`nowhere` for a word without letters or digits). Words that fold alike go to
        :attr:`merged`."""
        key, form = index_key(word)
        target = self.nowhere
        if key:
            target = self.words.get(key) or self.words.setdefault(key, Postings())
            target = target if form is None else target.variant(form)
            alike = self.folded.setdefault(id(target), word)
            if alike != word:
                self.merged.update((alike, word))
        self.targets[word] = target

    def add_facets(self, page: SearchPage, number: int) -> None:
        for name, values in page.filters.items():
            for value in values:
                self.filters.setdefault(name, {}).setdefault(value, []).append(number)
        for name, value in page.sort.items():
            self.sorts.setdefault(name, []).append((value, number))

    def write(self, bundle: Path, version: str) -> str:
        """The word chunks, filter chunks and metadata file; returns the metadata's hash."""
        chunks, names = [], set()
        for words in self.chunked():
            data = cbor_array([cbor_array([self.words[key].encode(key) for key in words])])
            name = short_hash(self.language, data, names)
            names.add(name)
            write_packed(bundle / "index" / f"{name}.pf_index", data)
            chunks.append([lookup_group(words[0]), words[-1], name])
        filters = []
        for name in sorted(self.filters):
            values = [cbor_array([cbor_text(v), cbor_ints(pages)]) for v, pages in sorted(self.filters[name].items())]
            data = cbor_array([cbor_text(name), cbor_array(values)])
            hashed = short_hash(self.language, data, {f[1] for f in filters})
            write_packed(bundle / "filter" / f"{hashed}.pf_filter", data)
            filters.append((name, hashed))
        meta = cbor_array(
            [
                cbor_text(version),
                cbor_array([cbor_array([cbor_text(h), cbor_int(count)]) for h, count in self.pages]),
                cbor_array([cbor_array([cbor_text(part) for part in chunk]) for chunk in chunks]),
                cbor_array([cbor_array([cbor_text(name), cbor_text(h)]) for name, h in filters]),
                cbor_array([cbor_array([cbor_text(name), cbor_ints(self.sorted_pages(name))]) for name in self.sorts]),
                cbor_array([cbor_text(name) for name in self.fields]),
            ]
        )
        digest = f"{self.language}_{hashlib.sha1(meta).hexdigest()[: len(self.language) + 8]}"
        write_packed(bundle / f"pagefind.{digest}.pf_meta", meta)
        return digest

    def chunked(self) -> list[list[str]]:
        """The words in order, cut into chunks of about :data:`CHUNK_SIZE` positions, each
        :func:`lookup_group` whole in one chunk."""
        chunks, chunk, size = [], [], 0
        for key in sorted(self.words):
            if size >= CHUNK_SIZE and lookup_group(key) != lookup_group(chunk[-1]):
                chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(key)
            size += self.words[key].size
        return [*chunks, chunk] if chunk else chunks

    def sorted_pages(self, name: str) -> list[int]:
        values = self.sorts[name]
        if all(number(value) is not None for value, _ in values):
            return [page for _, page in sorted(values, key=lambda pair: number(pair[0]))]
        return [page for _, page in sorted(values, key=lambda pair: pair[0])]


def number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def lookup_group(key: str) -> str:
    """The shortest start of ``key`` that a query asks for, so the keys that share it are
    what one search term may find: one character's key (``_`` and its five hex digits:
    区 → ``_0533a`` finds 区 alone and every pair that begins with 区), or the first
    character of another word (``2`` of 第2 finds 2, 2024 and 21).

    Pagefind's search code loads one chunk per term: the first whose bounds hold it
    (``from <= term <= to``; only when no term of a query has such a chunk, the first whose
    bounds begin as the term does). A group cut in two would lose the pages of its other
    chunk (on 1,000 items: 市 found 413 of 909 pages), so no chunk ends inside a group, and
    each chunk's bounds are the group of its first key and its last key: every term that
    begins a key of the chunk lies between them, and no other chunk's bounds hold it.
    (Pagefind's own bounds, the shortest prefixes in which neighbours differ, hold the
    pairs of the last group of a chunk only by that second rule.)"""
    return key[:6] if key.startswith("_") else key[:1]


def write_packed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(SIGNATURE + data, compresslevel=COMPRESSION, mtime=0))


class BundleWriter:
    """Pagefind's bundle in ``bundle``: :meth:`add` each page, then :meth:`finish`."""

    def __init__(self, bundle: Path) -> None:
        self.bundle = bundle
        self.languages: dict[str, LanguageIndex] = {}
        self.fragments: set[str] = set()
        self.search_code = SearchCode(bundle)

    def add(self, page: SearchPage) -> None:
        if not page.words:
            return
        index = self.languages.get(page.language)
        if index is None:
            index = self.languages[page.language] = LanguageIndex(page.language)
        fragment = {
            "url": page.url,
            "content": page.shown,
            "word_count": len(page.words),
            "filters": dict(sorted(page.filters.items())),
            "meta": dict(sorted(page.meta.items())),
            "anchors": page.anchors,
        }
        data = json.dumps(fragment, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        name = short_hash(page.language, data, self.fragments)
        self.fragments.add(name)
        write_packed(self.bundle / "fragment" / f"{name}.pf_fragment", data)
        index.add(page, len(index.pages))
        index.pages.append((name, len(page.words)))

    def finish(self) -> None:
        entry = self.search_code.copy()
        entry["languages"] = {
            language: {"hash": index.write(self.bundle, entry["version"]), "wasm": None, "page_count": len(index.pages)}
            for language, index in sorted(self.languages.items())
        }
        (self.bundle / "pagefind-entry.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")


class SearchCode:
    """Pagefind's search code (pagefind.js, its WebAssembly, Pagefind UI…): Pagefind is run
    on an empty page when the bundle is started, its files are copied in at the end."""

    def __init__(self, bundle: Path) -> None:
        self.bundle = bundle
        self.work = bundle / ".search-code"
        site = self.work / "site"
        site.mkdir(parents=True, exist_ok=True)
        (site / "index.html").write_text("<html><body><p>pagefind</p></body></html>", encoding="utf-8")
        command = [pagefind_executable(), "--site", str(site), "--output-path", str(self.work / "out"), "--silent"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def copy(self) -> dict:
        """Copy the files in; Pagefind's entry file without its languages (version,
        characters kept in queries)."""
        output = self.process.communicate()[0].decode("utf-8", errors="replace").strip()
        if self.process.returncode != 0:
            raise BundleError(f"pagefind failed: {output or f'exit status {self.process.returncode}'}")
        out = self.work / "out"
        for path in sorted(out.iterdir()):
            if path.is_file() and path.name != "pagefind-entry.json" and path.suffix != ".pf_meta":
                shutil.copyfile(path, self.bundle / path.name)
        entry = json.loads((out / "pagefind-entry.json").read_text(encoding="utf-8"))
        shutil.rmtree(self.work)
        return {"version": entry["version"], "languages": {}, "include_characters": entry.get("include_characters", [])}
