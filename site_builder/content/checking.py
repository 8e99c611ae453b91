"""What every content check reads (``pipeline.CHECKS``): one :class:`Checking` per run.

The checks across files run after each file was read and validated on its own. They
share the settings, the content, the reporter their errors go to, the time the
content is checked for (``--now``: what is public then decides which links work), and
the bodies converted once for all of them (conversion is the costly part of a check,
and a build takes the same bodies: content/bodies.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from site_builder.content.bodies import BodyConversion, ConvertedBody, link_bodies
from site_builder.content.kinds import KINDS
from site_builder.content.links import LinkedBody, RealPaths
from site_builder.content.readers import Content, Entry
from site_builder.content.reporter import Reporter
from site_builder.content.select import Published, select_public
from site_builder.content.settings import Config

# Every site path a build of ``Published`` writes, its bodies resolved: given by the pipeline,
# which alone knows every page generator and channel (``pipeline.site_paths``).
SitePaths = Callable[[Config, Content, Published, dict[str, LinkedBody]], set[str]]


@dataclass
class Checking:
    """The input of one run of the content checks."""

    config: Config
    content: Content
    reporter: Reporter
    now: dt.datetime
    site_paths: SitePaths
    conversion: BodyConversion  # the bodies, handed over as the files were read
    # A live preview's next build (pipeline.update_site): the bodies of the files not saved
    # since, as converted and (``linked``, by URL) resolved before; and, when the saved files
    # change no address or publication time, the files to check (the others' checks stand).
    known: dict[Path, ConvertedBody] = field(default_factory=dict)
    linked: dict[str, LinkedBody] = field(default_factory=dict)
    only: frozenset[Path] | None = None
    paths: set[str] | None = None  # the site paths a build now writes, once listed for that decision
    _published: dict[dt.datetime, tuple[Published, dict[str, LinkedBody]]] = field(default_factory=dict, repr=False)

    @cached_property
    def entries(self) -> list[Entry]:
        """Every entry of every kind, newsletter editions included, in the order of ``KINDS``."""
        return [entry for kind in KINDS for entry in self.content.of(kind.name)]

    @property
    def checked(self) -> list[Entry]:
        """The entries whose files the checks report on: every entry, or the saved ones (:attr:`only`)."""
        if self.only is None:
            return self.entries
        return [entry for entry in self.entries if entry.path in self.only]

    @cached_property
    def real_paths(self) -> RealPaths:
        """``Path.resolve()`` of this run, each path once (for the checks and the build's resolver)."""
        return RealPaths()

    @cached_property
    def converted(self) -> dict[Path, ConvertedBody]:
        """Each entry's body as the site converts and cleans it (with what the HTML policy
        removed); a body over the limits is a ``body`` error and checked as empty."""
        if not self.known:
            return self.conversion.collect(self.entries, self.reporter)
        fresh = self.conversion.collect([e for e in self.entries if e.path not in self.known], self.reporter)
        return {entry.path: self.known.get(entry.path) or fresh[entry.path] for entry in self.entries}

    @cached_property
    def bodies(self) -> dict[Path, str]:
        """Each entry's body as published: converted, then cleaned by the HTML policy."""
        return {path: body.html for path, body in self.converted.items()}

    def published_at(self, moment: dt.datetime) -> tuple[Published, dict[str, LinkedBody]]:
        """What a build at ``moment`` publishes, and the public bodies with their references
        resolved, by URL (once per moment: the link check's and the build's)."""
        if moment not in self._published:
            published = select_public(self.content, moment)
            resolver = published.resolver(self.content.root, self.real_paths)
            entries = published.items() + published.pages + published.editions
            if self.only is None:
                self._published[moment] = published, link_bodies(entries, self.converted, resolver)
            else:  # the same addresses as before: an unchanged body resolves as it did
                fresh = link_bodies([e for e in entries if e.url not in self.linked], self.converted, resolver)
                self._published[moment] = published, {e.url: self.linked.get(e.url) or fresh[e.url] for e in entries}
        return self._published[moment]
