"""What every channel shares: the build context.

The pipeline makes one :class:`Build` after reading, validating and selecting the
content; the site, the channels, the issue pages and the newsletter read it. It
sits below all of them, so none of them imports the pipeline.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from site_builder.content.select import Published
from site_builder.content.settings import Config
from site_builder.site.webpage import WebPage


@dataclass
class Build:
    """Validated, selected content and rendered bodies, shared by every channel."""

    config: Config
    published: Published
    bodies: dict[str, str]
    pages: list[WebPage] = field(default_factory=list)
    # Bodies with absolute links and nothing active, shared by feeds and the API.
    portable_bodies: dict[str, str] = field(default_factory=dict)


class Progress:
    """One line per build step on stderr, with the time since the start."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)
