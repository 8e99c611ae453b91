"""What the site channel hands to the engine step: finished pages, not templates."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path


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


def relative_url(target: str, base: str) -> str:
    """``target`` (a site path such as ``/cases/a/``) as seen from page ``base``."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return target
    path, _, fragment = target.partition("#")
    rel = _relpath(path, base if base.endswith("/") else posixpath.dirname(base))
    if path.endswith("/") and rel != ".":
        rel += "/"
    elif rel == ".":
        rel = "./"
    return rel + (f"#{fragment}" if fragment else "")


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath`` without its ``abspath`` calls (a page build makes ~100k
    of these); the same result for the absolute paths that site URLs are."""
    if not (path.startswith("/") and start.startswith("/")) or "/." in path or "/." in start:
        return posixpath.relpath(path, start)
    path_parts = [part for part in path.split("/") if part]
    start_parts = [part for part in start.split("/") if part]
    common = 0
    for mine, theirs in zip(path_parts, start_parts):
        if mine != theirs:
            break
        common += 1
    parts = [".."] * (len(start_parts) - common) + path_parts[common:]
    return "/".join(parts) or "."
