"""What every page carries around its content: the header with the global navigation, the
breadcrumbs, the table of contents, and the footer of a public facility.

The engine's frame (``theme/overrides/main.html``) leaves a comment where each goes; this
module fills them for each page from ``theme/site/chrome_*.html``, with the centre's
``center_*`` settings and the navigation of ``mkdocs.yml``. It works on finished HTML and
page URLs only, so it is the same whichever engine rendered the frame, and an item page
(which has no entry of its own in the navigation) still marks its section.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from site_builder.content.forms import PRIVACY_PAGE
from site_builder.content.links import ByLinkShape, relative_url
from site_builder.content.wards import AREA_NAMES
from site_builder.context import Build
from site_builder.site.render import template_env

HEADER = "<!--sb-header-->"
BREADCRUMBS = "<!--sb-breadcrumbs-->"
FOOTER = "<!--sb-footer-->"
TOC = "<!--sb-toc-->"  # where an item page's or ordinary page's table of contents goes
CONTENT_END = "<!--sb-content-end-->"  # the end of the page's content (after every body)
HOME = "/"
MIN_TOC_HEADINGS = 2

_HEADING_ANY = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.DOTALL)
_HEADING = re.compile(r"<h([23])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.DOTALL)
_PERMALINK = re.compile(r"<a\b[^>]*class=\"headerlink\"[^>]*>.*?</a>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str
    children: tuple[NavItem, ...] = ()

    def urls(self) -> list[str]:
        return [self.url, *(url for child in self.children for url in child.urls())]


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


def source_url(source: str) -> str:
    """The URL of a docs path in ``mkdocs.yml``'s nav: ``cases/index.md`` → ``/cases/``."""
    path = PurePosixPath(source)
    parts = path.parent.parts if path.name == "index.md" else (*path.parent.parts, path.stem)
    return "/" + "".join(f"{part}/" for part in parts if part not in ("", "."))


def read_nav(nav: list, urls: dict[str, str], titles: dict[str, str]) -> tuple[NavItem, ...]:
    """The navigation's entries whose pages are public (``titles``: the title of each public
    page by URL, for entries without one); a group links to its first page. ``urls`` maps an
    ordinary page's source (``about.md``) to its URL (a slug may move it)."""
    items = []
    for entry in nav:
        title, value = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
        if isinstance(value, list):
            children = read_nav(value, urls, titles)
            if children:
                items.append(NavItem(str(title or children[0].title), children[0].url, children))
        elif isinstance(value, str) and value.endswith(".md"):
            url = urls.get(value, source_url(value))
            if url in titles:
                items.append(NavItem(str(title or titles[url]), url))
    return tuple(items)


def headings(body: str) -> list[Heading]:
    """The h2 and h3 headings of ``body`` that have an id, as plain text."""
    found = []
    for level, ident, inner in _HEADING.findall(body):
        text = html.unescape(_TAG.sub("", _PERMALINK.sub("", inner))).strip()
        if text:
            found.append(Heading(int(level), html.unescape(ident), text))
    return found


class Chrome:
    """Renders and places the chrome of every page of one build."""

    def __init__(self, build: Build):
        config = build.config
        self.config = config
        self.settings = config.settings.center
        self.titles = {page.url: page.title for page in build.pages}
        sources = {
            page.source.relative_to(config.root / "content").as_posix(): page.url
            for page in build.pages
            if page.source is not None
        }
        self.nav = read_nav(config.engine_config.get("nav", []) or [], sources, self.titles)
        self.env = template_env(config.root / "theme" / "site")
        self.wards = self._wards()
        center = self.settings
        # The pages a header or footer links to: on these pages the link is marked aria-current.
        self.linked = {
            HOME,
            *(url for item in self.nav for url in item.urls()),
            *(link.url for link in center.footer_links),
            *(url for _, url in self.wards),
            *([center.contact_url] if center.contact_url else []),
            PRIVACY_PAGE,
        }
        self._rendered: ByLinkShape[tuple[str, str]] = ByLinkShape()  # header and footer

    def _wards(self) -> list[tuple[str, str]]:
        """``(label, URL)`` of the pages under ``center_wards_url``: the ward centres."""
        base = self.settings.wards_url
        if not base or not base.startswith("/"):
            return []
        order = {slug: number for number, slug in enumerate(AREA_NAMES)}
        found = []
        for url in self.titles:
            if url.startswith(base) and url != base:
                slug = url[len(base) :].strip("/")
                found.append((order.get(slug, len(order)), url, AREA_NAMES.get(slug, self.titles[url])))
        return [(label, url) for _, url, label in sorted(found)]

    def key(self) -> tuple:
        """Everything the chrome of a page is made from besides the page's own URL and title: two
        builds with equal keys place the same chrome on a page (a live preview rewrites only the
        pages that changed when it is equal)."""
        folders = {url[: index + 1] for url in self.titles for index in range(len(url) - 1) if url[index] == "/"}
        center = self.settings
        links = [*(link.url for link in center.footer_links), *([center.contact_url] if center.contact_url else [])]
        return (
            self.nav,
            tuple(self.wards),
            tuple(sorted(self.linked)),
            tuple(sorted((url, title) for url, title in self.titles.items() if url in folders)),
            tuple(self.live(url) for url in links),
        )

    def section(self, url: str) -> NavItem | None:
        """The top-level entry ``url`` belongs to: the one with the longest URL that is, or
        is a folder of, ``url`` (the home entry only for the home page)."""
        best, length = None, -1
        for item in self.nav:
            for candidate in item.urls():
                inside = url == candidate or (candidate != HOME and url.startswith(candidate))
                if inside and len(candidate) > length:
                    best, length = item, len(candidate)
        return best

    def crumbs(self, url: str) -> list[tuple[str, str]]:
        """``(title, URL)`` from the home page down to the page itself."""
        trail = [("ホーム", HOME)]
        section = self.section(url)
        if section is not None and section.children and section.url != url and not url.startswith(section.url):
            trail.append((section.title, section.url))
        parts = [part for part in url.split("/") if part]
        for depth in range(1, len(parts)):
            prefix = "/" + "".join(f"{part}/" for part in parts[:depth])
            if prefix in self.titles and all(prefix != known for _, known in trail):
                trail.append((self.titles[prefix], prefix))
        if url != HOME:
            trail.append((self.titles.get(url, ""), url))
        return trail

    def live(self, target: str) -> bool:
        """Whether a link of the settings leads somewhere in this build: an address outside the
        site, a file, or a page the build writes (the newsletter archive before the first
        edition is not one). ``site-builder check`` warns about the rest (link_check.py)."""
        path = urlsplit(target).path
        return not target.startswith("/") or not path.endswith("/") or path in self.titles

    def place_chrome(self, text: str, url: str, absolute: bool = False) -> str:
        """``text`` (a page as the engine wrote it, its body in place) with the chrome in place.
        ``absolute``: links from the site's root path (the 404 page, served at any depth)."""

        def u(target: str) -> str:
            if urlsplit(target).scheme or target.startswith("//"):  # another site's address
                return target
            if absolute:
                return urlsplit(self.config.site_url).path.rstrip("/") + "/" + target.lstrip("/")
            return relative_url(target, url)

        header, footer = self._header_footer(url, u, absolute)
        text = text.replace(HEADER, header, 1).replace(FOOTER, footer, 1)
        crumbs = ""
        if url != HOME and not absolute:
            crumbs = self.env.get_template("chrome_breadcrumbs.html").render(crumbs=self.crumbs(url), u=u)
        text = text.replace(BREADCRUMBS, crumbs, 1)
        if TOC in text:
            start = text.index(TOC)
            found = headings(text[start : text.find(CONTENT_END, start)])
            toc = ""
            if sum(1 for heading in found if heading.level == 2) >= MIN_TOC_HEADINGS:
                toc = self.env.get_template("chrome_toc.html").render(headings=found)
            text = text.replace(TOC, toc, 1)
        return name_permalinks(text).replace(CONTENT_END + "\n", "", 1)

    def _header_footer(self, url: str, u: Callable[[str], str], absolute: bool) -> tuple[str, str]:
        """The header and footer of the page at ``url``. They differ between pages only by how
        their links are written from the page's folder, the section marked current, and
        ``url`` itself where a link leads to it: pages alike in these (the items of a
        section) share one rendering (:class:`ByLinkShape`)."""
        section = self.section(url)
        key = (absolute, section, url if url in self.linked else None)
        return self._rendered.get(url, u, lambda recording: self._render_header_footer(url, recording, section), key)

    def _render_header_footer(self, url: str, u: Callable[[str], str], section: NavItem | None) -> tuple[str, str]:
        center = self.settings
        logo = (self.config.engine_config.get("theme") or {}).get("logo")
        context = {
            "u": u,
            "url": url,
            "site_name": self.config.site_name,
            "logo": "/" + str(logo).lstrip("/") if logo else None,
            "center": center,
            "contact_url": center.contact_url if center.contact_url and self.live(center.contact_url) else None,
            "footer_links": [link for link in center.footer_links if self.live(link.url)],
            "nav": [item for item in self.nav if item.url != HOME],
            "current": section,
            "wards": self.wards,
            "copyright": self.config.engine_config.get("copyright", ""),
            "privacy_url": PRIVACY_PAGE,
        }
        header = self.env.get_template("chrome_header.html").render(context)
        footer = self.env.get_template("chrome_footer.html").render(context)
        return header, footer


def name_permalinks(text: str) -> str:
    """A heading's permalink mark (¶) is read out as its heading's link, not as 段落記号."""

    def named(match: re.Match) -> str:
        if 'class="headerlink"' not in match[0]:
            return match[0]
        heading = html.escape(html.unescape(_TAG.sub("", _PERMALINK.sub("", match[2]))).strip())
        return match[0].replace('class="headerlink"', f'class="headerlink" aria-label="「{heading}」へのリンク"', 1)

    return _HEADING_ANY.sub(named, text)
