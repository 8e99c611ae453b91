"""The publishing rule: what is public at the build time, in reading order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from site_builder.content import dates
from site_builder.content.links import Resolver
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
        return newest_first(self.cases + self.events + self.news + self.issues)

    def resolver(self, root: Path) -> Resolver:
        """Resolves references in bodies against what is public now: a link to a
        Markdown file becomes its page's URL only when that page is public."""
        return Resolver(root, {entry.path.resolve(): entry.url for entry in reversed(self.items() + self.pages)})


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.meta.date, e.url), reverse=True)


def select_public(content: Content, now: dt.datetime) -> Published:
    def public(kind: str) -> list[Entry]:
        return newest_first([e for e in content.of(kind) if e.is_public(now)])

    editions = newest_first([e for e in content.editions if e.is_public(now)])
    return Published(now, public("case"), public("event"), public("news"), public("issue"), public("page"), editions)
