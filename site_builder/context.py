"""What every channel shares: the build context, and the pages the site hands on.

The pipeline makes one :class:`Build` after reading, validating and selecting the
content; the site, the channels, the issue pages and the newsletter read it. It
sits below all of them, so none of them imports the pipeline.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from markupsafe import Markup

from site_builder.content import dates
from site_builder.content.bodies import ConvertedBody
from site_builder.content.i18n import WARNING, text
from site_builder.content.links import LinkedBody, RealPaths
from site_builder.content.readers import Content, Entry
from site_builder.content.select import Published
from site_builder.content.settings import Config


@dataclass
class WebPage:
    """One public page.

    ``body_html`` pages are filled into an engine-rendered frame; ``markdown``
    pages (editors' ordinary pages) are handed to the engine as written.
    """

    url: str
    title: str
    html_title: str
    head_html: str
    body_html: str = ""
    markdown: str | None = None
    source: Path | None = None
    in_sitemap: bool = True
    lastmod: str | None = None

    @property
    def depth(self) -> int:
        return len([part for part in self.url.split("/") if part])

    @property
    def output_path(self) -> str:
        return self.url.lstrip("/") + "index.html"


@dataclass
class Build:
    """Validated, selected content and rendered bodies, shared by every channel."""

    config: Config
    published: Published
    bodies: dict[str, LinkedBody]  # by entry URL: converted, references resolved
    pages: list[WebPage] = field(default_factory=list)
    # Bodies with absolute links and nothing active, shared by feeds and the API.
    portable_bodies: dict[str, str] = field(default_factory=dict)
    # Files of public ordinary pages, published beside them: (source, site path).
    page_files: list[tuple[Path, str]] = field(default_factory=list)
    # A live preview's build (``serve``): what the next build may reuse and compare with.
    memo: Memo = field(default_factory=lambda: NO_MEMO)
    content: Content | None = None  # every entry read, public or not
    written: Written | None = None
    changed: frozenset[Path] = frozenset()  # content files saved since this build (the next one reads them)
    converted: dict[Path, ConvertedBody] = field(default_factory=dict)  # every entry's body, by its file
    real_paths: RealPaths | None = None  # the files' resolved paths, for the next build's checks
    paths: set[str] | None = None  # every site path it writes (a live preview's build)
    # What signs the forms' tokens (content/forms.py), read by the pipeline while server_url is set.
    form_secret: bytes | None = field(default=None, repr=False)

    def unchanged_bodies(self, content: Content) -> dict[Path, ConvertedBody]:
        """The converted bodies of the entries of ``content`` that this build read (files not saved since)."""
        mine = self._entries_by_path()
        return {
            entry.path: self.converted[entry.path]
            for entries in content.entries.values()
            for entry in entries
            if mine.get(entry.path) is entry and entry.path in self.converted
        }

    def unchanged_linked(self, content: Content) -> dict[str, LinkedBody]:
        """The resolved bodies of the entries of ``content`` that this build published, by URL."""
        return {
            entry.url: self.bodies[entry.url]
            for entries in content.entries.values()
            for entry in entries
            if self.has_body_of(entry)
        }

    def unchanged_entry(self, path: Path) -> Entry | None:
        """The entry read from ``path`` by this build, if the file was not saved since."""
        if path in self.changed:
            return None
        return self._entries_by_path().get(path)

    def _entries_by_path(self) -> dict[Path, Entry]:
        if self._by_path is None:
            entries = self.content.entries.values() if self.content is not None else ()
            self._by_path = {entry.path: entry for kind in entries for entry in kind}
        return self._by_path

    def has_body_of(self, entry: Entry) -> bool:
        """Whether this build converted the body of this very entry (its file was not saved since)."""
        if self._by_url is None:
            self._by_url = {e.url: e for e in self.published.items() + self.published.pages + self.published.editions}
        return self._by_url.get(entry.url) is entry and entry.url in self.bodies

    def retain(self) -> None:
        """Let the memo forget what no longer belongs to this build."""
        owners = [entry for entries in (self.content.entries.values() if self.content else ()) for entry in entries]
        self.memo.retain([*owners, *self.bodies.values()], [page.url for page in self.pages])

    _by_path: dict[Path, Entry] | None = field(default=None, repr=False)
    _by_url: dict[str, Entry] | None = field(default=None, repr=False)


@dataclass
class Written:
    """What a live preview's build wrote, for the next build to compare with (``update_site``)."""

    frames: dict[str, str]  # frame URL: the engine's page that generated pages are poured into
    pages: dict[str, WebPage]  # URL: the page written there
    chrome: tuple  # what every page's chrome was made from (``Chrome.key``)
    files: dict[str, str | bytes]  # site path: channels, sitemap, robots.txt
    item_files: dict[str, Path]  # site path: the file copied there


T = TypeVar("T")


class Memo:
    """Results a live preview keeps from one build for the next (``serve``).

    A result made from an entry is kept with the entry itself: a file that was not saved
    keeps its :class:`Entry` object between builds, so its results are reused; a saved file
    is read into a new object, and everything made from it is made again. A page is kept
    with a *fingerprint* of everything it was rendered from (:func:`fingerprint`): when the
    next build asks for the same URL with an equal fingerprint, the page is reused as it
    was. A plain build keeps nothing (:data:`NO_MEMO`), so its output cannot depend on
    an earlier one; the tests compare the two byte for byte."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, int, Hashable], tuple[object, object]] = {}
        self._pages: dict[str, tuple[tuple, WebPage]] = {}
        self.reused = self.made = 0

    def result(self, purpose: str, owner: object, make: Callable[[], T], variant: Hashable = None) -> T:
        """What ``make`` returns for ``owner`` (with ``variant``), made once while ``owner`` lives."""
        key = (purpose, id(owner), variant)
        kept = self._results.get(key)
        if kept is not None and kept[0] is owner:
            return kept[1]  # type: ignore[return-value]
        value = make()
        self._results[key] = (owner, value)  # the owner is held: no other object can take its id
        return value

    def page(self, url: str, inputs: tuple, make: Callable[[], WebPage]) -> WebPage:
        """The page at ``url`` as made from ``inputs`` (a fingerprint), reused when they are unchanged."""
        kept = self._pages.get(url)
        if kept is not None and kept[0] == inputs:
            self.reused += 1
            return kept[1]
        page = make()
        self._pages[url] = (inputs, page)
        self.made += 1
        return page

    def retain(self, owners: Iterable[object], urls: Iterable[str]) -> None:
        """Forget the results of objects not among ``owners`` and the pages not at ``urls``."""
        alive = {id(owner) for owner in owners}
        self._results = {key: kept for key, kept in self._results.items() if key[1] in alive}
        wanted = set(urls)
        self._pages = {url: kept for url, kept in self._pages.items() if url in wanted}


class _NoMemo(Memo):
    def result(self, purpose: str, owner: object, make: Callable[[], T], variant: Hashable = None) -> T:
        return make()

    def page(self, url: str, inputs: tuple, make: Callable[[], WebPage]) -> WebPage:
        return make()


NO_MEMO: Memo = _NoMemo()


class Same:
    """An object in a fingerprint, compared by identity: an :class:`Entry` (a new object
    after every save), the settings (the same object until ``mkdocs.yml`` changes)."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


_PLAIN = (str, int, float, bool, type(None), dt.datetime, dt.date, Path)


def fingerprint(value: object, shared: dict[int, tuple[object, object]] | None = None) -> object:
    """An equal-comparable picture of ``value``, as a page template sees it: text and numbers
    as they are (``Markup`` marked, as it prints differently), lists, dicts and dataclasses
    part by part, entries and everything else by identity. ``shared`` remembers the lists
    and dicts already seen in this build (the facet menu each case list page gets)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Markup:
        return (Markup, str(value))
    if kind is Entry:
        return Same(value)
    if kind in (list, tuple, dict) and shared is not None:
        kept = shared.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
    if kind in (list, tuple):
        found: object = (kind, *(fingerprint(item, shared) for item in value))  # type: ignore[attr-defined]
    elif kind is dict:
        found = (dict, *((key, fingerprint(item, shared)) for key, item in value.items()))  # type: ignore[attr-defined]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = (kind, *(fingerprint(getattr(value, f.name), shared) for f in dataclasses.fields(value)))
    else:
        return Same(value)
    if shared is not None and kind in (list, tuple, dict):
        shared[id(value)] = (value, found)  # held: its id stays its own for the build
    return found


def time_key(entries: Iterable[Entry], now: dt.datetime) -> int:
    """Where ``now`` falls among every date and time the ``entries`` hold (a date as the start of
    its day in Tokyo, an event's end included): two moments with the same key compare alike
    with each of them (past or upcoming, published or not), so pages rendered at either are
    the same."""
    moments = []
    for entry in entries:
        values = [*vars(entry.meta).values(), getattr(entry.meta, "ends_at", None)]
        for value in values:
            if isinstance(value, dt.datetime):
                moments.append(value.timestamp())
            elif isinstance(value, dt.date):
                moments.append(dt.datetime.combine(value, dt.time(), dates.TOKYO).timestamp())
    moments.sort()
    return bisect.bisect_right(moments, now.timestamp())


def item_files(build: Build) -> dict[str, Path]:
    """``{site path: source}`` of the files public items and newsletter editions refer to
    (front-matter image, body links and images), as the resolver placed them
    (``content/links.py``). The pipeline copies them; the link check accepts them."""
    wanted: dict[str, Path] = {}
    for entry in build.published.items() + build.published.editions:
        if entry.image_file is not None:
            wanted.setdefault(entry.image_path, entry.image_file)
        for source, site_path in build.bodies[entry.url].files:
            wanted.setdefault(site_path, source)
    return wanted


class Progress:
    """One line per build step on stderr, with the time since the start."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.started:6.1f}s] {text(message)}", file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        """One line about something the build left out, shown even when quiet."""
        print(f"{text(WARNING)}: {text(message)}", file=sys.stderr, flush=True)
