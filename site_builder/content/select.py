"""The publishing rule: what is public at the build time, in reading order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from site_builder.content import dates
from site_builder.content.kinds import PAGE, kind_of_folder
from site_builder.content.links import LinkedBody, RealPath, Resolver, file_site_path
from site_builder.content.readers import Content, Entry


@dataclass
class Published:
    """Public entries at ``now``; every output channel reads only this."""

    now: dt.datetime
    cases: list[Entry]
    events: list[Entry]
    news: list[Entry]
    issues: list[Entry]
    pages: list[Entry]
    editions: list[Entry] = field(default_factory=list)  # newsletter editions sent by now

    @property
    def upcoming_events(self) -> list[Entry]:
        return list(self._upcoming)

    @property
    def past_events(self) -> list[Entry]:
        return list(self._past)

    # Computed once: a Published is not changed after select_public made it.
    @cached_property
    def _upcoming(self) -> list[Entry]:
        found = [e for e in self.events if e.meta.ends_at > self.now]
        return sorted(found, key=lambda e: (dates.as_instant(e.meta.start), e.slug))

    @cached_property
    def _past(self) -> list[Entry]:
        found = [e for e in self.events if e.meta.ends_at <= self.now]
        return sorted(found, key=lambda e: (dates.as_instant(e.meta.start), e.slug), reverse=True)

    def items(self) -> list[Entry]:
        """Cases, events, news and issue pages, newest publish time first."""
        return list(self._items)

    @cached_property
    def _items(self) -> list[Entry]:
        return newest_first(self.cases + self.events + self.news + self.issues)

    def resolver(self, root: Path, real: RealPath = Path.resolve) -> Resolver:
        """Resolves references in bodies against what is public now: a link to a
        Markdown file becomes its page's URL only when that page is public."""
        pages = {real(entry.path): entry.url for entry in reversed(self.items() + self.pages)}
        return Resolver(root, pages, real)


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.meta.date, e.url), reverse=True)


def select_public(content: Content, now: dt.datetime) -> Published:
    def public(kind: str) -> list[Entry]:
        return newest_first([e for e in content.of(kind) if e.is_public(now)])

    editions = newest_first([e for e in content.editions if e.is_public(now)])
    return Published(now, public("case"), public("event"), public("news"), public("issue"), public("page"), editions)


def page_files(content: Content, published: Published, bodies: dict[str, LinkedBody]) -> list[tuple[Path, str]]:
    """The files the engine publishes with the ordinary pages, as ``(source, site path)``:
    those a public page refers to (its front-matter image included), and those beside a
    public page in a folder that holds no draft or future page. Files in the other kinds'
    folders go with their items."""
    root = content.root.resolve()
    public = {entry.path for entry in published.pages}
    hidden = {entry.path.parent for entry in content.of(PAGE.name) if entry.path not in public}
    wanted: dict[str, Path] = {}
    for entry in published.pages:
        if entry.image_file is not None:  # the page's own image (og:image), wherever it sits
            wanted.setdefault(entry.image_path, entry.image_file)
        for source, site_path in bodies[entry.url].files:
            wanted.setdefault(site_path, source)
        if entry.path.parent not in hidden:
            for path in _beside(entry.path, root):
                wanted.setdefault(file_site_path(root, path) or "", path)
    wanted.pop("", None)
    return [(source, site_path) for site_path, source in sorted(wanted.items())]


def _beside(page: Path, root: Path) -> list[Path]:
    """Files (no links, no Markdown) in an ordinary page's own folder."""
    found = []
    for path in sorted(page.parent.iterdir()):
        if path.is_file() and not path.is_symlink() and path.suffix != ".md":
            resolved = path.resolve()
            if kind_of_folder(resolved.relative_to(root)) is PAGE:
                found.append(resolved)
    return found
