"""What every channel shares: the build context, and the pages the site hands on.

The pipeline makes one :class:`Build` after reading, validating and selecting the
content; the site, the channels, the issue pages and the newsletter read it. It
sits below all of them, so none of them imports the pipeline.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.content.i18n import WARNING, text
from site_builder.content.links import LinkedBody
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
