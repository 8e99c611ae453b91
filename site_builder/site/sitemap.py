"""sitemap.xml of exactly the public pages (the engine's own is replaced), and the
robots.txt that names it.

robots.txt lets every crawler everywhere and names only the sitemap: it lists no
path, so nothing unpublished can be read from it."""

from __future__ import annotations

import gzip
from xml.sax.saxutils import escape

from site_builder.content.settings import Config
from site_builder.context import Build, WebPage

SITEMAP = "/sitemap.xml"
SITEMAP_GZ = "/sitemap.xml.gz"
ROBOTS = "/robots.txt"


def sitemap_paths(build: Build) -> list[str]:
    """Where the pipeline writes the sitemap and robots.txt (for the link check)."""
    return [SITEMAP, SITEMAP_GZ, ROBOTS]


def render_robots(config: Config) -> str:
    """robots.txt (RFC 9309): every crawler may read every page; the sitemap by its absolute URL."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.absolute(SITEMAP)}\n"


def render_sitemap(pages: list[WebPage], config: Config) -> str:
    rows = []
    for page in sorted(pages, key=lambda p: p.url):
        if not page.in_sitemap:
            continue
        lastmod = f"<lastmod>{page.lastmod[:10]}</lastmod>" if page.lastmod else ""
        rows.append(f"<url><loc>{escape(config.absolute(page.url))}</loc>{lastmod}</url>")
    body = "\n".join(rows)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</urlset>\n'


def gzip_bytes(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)
