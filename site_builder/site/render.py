"""The site renderer: Jinja fragment templates (``theme/site/``) to finished pages.

Page generators (``site/pages.py`` for the sections every site has, ``issues/pages.py``
and ``newsletter/pages.py`` for theirs) call :meth:`SiteRenderer.page`; the pipeline
lists them in :data:`site_builder.pipeline.PAGES`. This module imports none of them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from site_builder.content import dates, labels
from site_builder.content.events import present_event
from site_builder.content.links import EMPTY, ByLinkShape, relative_url
from site_builder.content.readers import Entry
from site_builder.content.settings import Config
from site_builder.content.wards import AREA_NAMES
from site_builder.context import NO_MEMO, Build, WebPage, fingerprint, time_key
from site_builder.site.phrases import phrases
from site_builder.site.seo import jsonld

# A page generator: the pages of one section, made with the renderer.
PageGenerator = Callable[["SiteRenderer"], list[WebPage]]


@dataclass
class Pager:
    number: int
    count: int
    url: str
    previous: str | None
    next: str | None
    items: list


def paginate(items: list, per_page: int, base: str) -> list[Pager]:
    count = max(1, math.ceil(len(items) / per_page))

    def url(number: int) -> str:
        return base if number == 1 else f"{base}page/{number}/"

    return [
        Pager(
            n,
            count,
            url(n),
            url(n - 1) if n > 1 else None,
            url(n + 1) if n < count else None,
            items[(n - 1) * per_page : n * per_page],
        )
        for n in range(1, count + 1)
    ]


@functools.lru_cache(maxsize=16)
def template_env(theme_dir: Path) -> jinja2.Environment:
    """The templates of ``theme_dir``, compiled once per process (the site, the chrome and the
    calendar links share them; a live preview's builds too). A template saved since is read
    and compiled again: Jinja compares its file's time on each use (``auto_reload``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jsonld"] = _safe_jsonld
    env.filters["phrases"] = phrases
    env.globals.update(
        labels=labels,
        areas=AREA_NAMES,
        iso=dates.iso,
        day=dates.format_date,
        year=dates.local_year,
        span=dates.format_span,
        event_view=present_event,
    )
    return env


class SiteRenderer:
    """Renders one page from a fragment template, with its head metadata.

    ``event_actions`` (entry → HTML under an event's facts) and ``event_list_extra``
    come from the calendar channel; the pipeline passes them in."""

    def __init__(
        self,
        build: Build,
        alternates: list[dict] | None = None,
        event_actions: Callable[[Entry], str] | None = None,
        event_list_extra: str = "",
    ):
        self.build = build
        self.config = build.config
        self.published = build.published
        self.alternates = alternates or []
        self.event_actions = event_actions
        self.event_list_extra = event_list_extra
        self.env = template_env(self.config.root / "theme" / "site")
        self._cards: dict[tuple, tuple[Entry, Markup]] = {}
        self._shared: dict[tuple, tuple[tuple, ByLinkShape[Markup]]] = {}  # the args held: their ids stay theirs
        if build.memo is not NO_MEMO:
            self.time_key = time_key(self.published.items() + self.published.editions, self.published.now)
            self.seen: dict[int, tuple[object, object]] = {}

    def page(
        self,
        url: str,
        title: str,
        template: str,
        *,
        description: str = "",
        entry: Entry | None = None,
        og_type: str = "website",
        data: list[dict] | None = None,
        noindex: bool = False,
        **context,
    ) -> WebPage:
        def make() -> WebPage:
            def u(target: str) -> str:
                return relative_url(target, url)

            body = self.env.get_template(template).render(
                u=u,
                now=self.published.now,
                site_name=self.config.site_name,
                entry=entry,
                card=self.card,
                shared=lambda macro, *args: self.shared(url, u, macro, *args),
                **context,
            )
            html_title = self.config.site_name if url == "/" else f"{title} - {self.config.site_name}"
            head = self.head(url, title, description or self.config.description, entry, og_type, data or [], noindex)
            lastmod = dates.iso(entry.meta.date) if entry else None
            return WebPage(url, title, html_title, head, body_html=body, lastmod=lastmod, in_sitemap=not noindex)

        if self.build.memo is NO_MEMO:
            return make()
        # Everything the page is made from; ``now`` by where it falls among the content's dates.
        # An item page's structured data is made from its entry alone: the entry stands for it.
        derived = entry is not None and url == entry.url
        inputs = (
            self.time_key,
            title,
            template,
            description,
            entry,
            og_type,
            None if derived else data,
            noindex,
            context,
        )
        return self.build.memo.page(url, fingerprint(inputs, self.seen), make)

    def item_page(self, entry: Entry, template: str, jsonld_data: dict, **context) -> WebPage:
        """The page of one item at its URL: its title, summary and JSON-LD in the head."""
        return self.page(
            entry.url,
            entry.meta.title,
            template,
            entry=entry,
            description=entry.meta.summary,
            og_type="article",
            data=[jsonld_data],
            **context,
        )

    def head(
        self,
        url: str,
        title: str,
        description: str,
        entry: Entry | None,
        og_type: str,
        data: list[dict],
        noindex: bool = False,
    ) -> str:
        """The page's head metadata; ``noindex``: search engines are asked not to list the page
        (a page a form leads to), which is then in no sitemap either."""
        if entry is not None and entry.image_path:
            image, alt = entry.image_path, entry.meta.image_alt
        else:
            image, alt = self.config.settings.site.image, self.config.site_name
        return self.env.get_template("head.html").render(
            title=title,
            description=description,
            canonical=self.config.absolute(url),
            og_type=og_type,
            image=self.config.absolute(image),
            image_alt=alt,
            site_name=self.config.site_name,
            twitter=self.config.settings.site.twitter,
            jsonld=data,
            noindex=noindex,
            alternates=[{**link, "href": relative_url(link["href"], url)} for link in self.alternates],
        )

    def card(self, macro: str, entry: Entry, u: Callable[[str], str], *args: object) -> Markup:
        """``macros.html``'s ``macro`` (a case, event or news card) for ``entry``, rendered once for
        every page that links it alike: an entry is on many lists (a case on every facet of it)."""
        key = (macro, id(entry), u(entry.url), args)
        kept = self._cards.get(key)
        if kept is None:
            kept = self._cards[key] = (
                entry,
                getattr(self.env.get_template("macros.html").module, macro)(entry, u, *args),
            )
        return kept[1]

    def shared(self, url: str, u: Callable[[str], str], macro: str, *args: object) -> Markup:
        """``macros.html``'s ``macro`` with ``args`` (the same objects on many pages: the facet menu
        of every case list), rendered once for every page that writes its links alike (:class:`ByLinkShape`)."""
        group = self._shared.setdefault((macro, *map(id, args)), (args, ByLinkShape()))
        render = getattr(self.env.get_template("macros.html").module, macro)
        return group[1].get(url, u, lambda recording: render(*args, recording))

    def jsonld(self, entry: Entry, make: Callable[[Entry, Config], dict]) -> dict:
        """The structured data ``make`` gives for ``entry`` (kept in a live preview while the entry is unchanged)."""
        return self.build.memo.result("jsonld", entry, lambda: make(entry, self.config))

    def body(self, entry: Entry) -> str:
        """The entry's converted body, its references relative to its page."""
        linked = self.build.bodies.get(entry.url, EMPTY)
        return self.build.memo.result(
            "body", linked, lambda: linked.html(lambda site_path: relative_url(site_path, entry.url)), entry.url
        )


def _safe_jsonld(data: dict) -> Markup:
    return Markup(jsonld(data))
