"""The site channel: every public page as finished HTML (or editor Markdown)."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from site_builder.content import dates
from site_builder.content import labels
from site_builder.content.settings import Config
from site_builder.content.readers import Entry
from site_builder.issues.pages import issue_context
from site_builder.newsletter.editions import DEFAULT_UPCOMING_WEEKS, site_editions
from site_builder.site.seo import article_jsonld, event_jsonld, image_url, jsonld
from site_builder.content.select import Published
from site_builder.content.wards import AREA_NAMES, WARDS
from site_builder.site.webpage import WebPage, relative_url


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
    url = lambda n: base if n == 1 else f"{base}page/{n}/"  # noqa: E731
    return [
        Pager(n, count, url(n), url(n - 1) if n > 1 else None, url(n + 1) if n < count else None,
              items[(n - 1) * per_page : n * per_page])
        for n in range(1, count + 1)
    ]


def template_env(theme_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jsonld"] = _safe_jsonld
    env.globals.update(
        labels=labels, areas=AREA_NAMES, iso=dates.iso, day=dates.format_date,
        span=dates.format_span, image_url=image_url,
    )
    return env


class SiteRenderer:
    """Renders pages from the theme's fragment templates (``theme/site/``)."""

    def __init__(self, config: Config, published: Published, bodies: dict[str, str], alternates: list[dict] | None = None,
                 event_actions=None, event_list_extra: str = ""):
        self.config = config
        self.published = published
        self.bodies = bodies
        self.alternates = alternates or []
        self.event_actions = event_actions  # entry -> HTML under an event's facts (calendar_ics)
        self.event_list_extra = event_list_extra
        self.env = template_env(config.root / "theme" / "site")

    def page(self, url: str, title: str, template: str, *, description: str = "", entry: Entry | None = None,
             og_type: str = "website", data: list[dict] | None = None, **context) -> WebPage:
        u = lambda target: relative_url(target, url)  # noqa: E731
        body = self.env.get_template(template).render(u=u, now=self.published.now, site_name=self.config.site_name,
                                                      entry=entry, **context)
        html_title = self.config.site_name if url == "/" else f"{title} - {self.config.site_name}"
        head = self.head(url, title, description or self.config.description, entry, og_type, data or [])
        lastmod = dates.iso(entry.meta.date) if entry else None
        return WebPage(url, title, html_title, head, body_html=body, lastmod=lastmod)

    def head(self, url: str, title: str, description: str, entry: Entry | None, og_type: str, data: list[dict]) -> str:
        if entry is not None and entry.meta.image:
            image, alt = image_url(entry), entry.meta.image_alt
        else:
            image, alt = self.config.get("site_image", "assets/ogp.png"), self.config.site_name
        return self.env.get_template("head.html").render(
            title=title, description=description, canonical=self.config.absolute(url), og_type=og_type,
            image=self.config.absolute(image), image_alt=alt, site_name=self.config.site_name,
            twitter=self.config.get("site_twitter"), jsonld=data,
            alternates=[{**link, "href": relative_url(link["href"], url)} for link in self.alternates],
        )

    def body(self, entry: Entry) -> str:
        return rewrite_links(self.bodies.get(entry.url, ""), entry, self.published)

    # --- the pages -----------------------------------------------------------------

    def render_all(self) -> list[WebPage]:
        pages = [self.home(), *self.case_pages(), *self.event_pages(), *self.news_pages(), *self.issue_pages(), self.search()]
        pages += [self.editor_page(entry) for entry in self.published.pages if entry.url != "/"]
        pages += self.newsletter_pages()
        return pages

    def home(self) -> WebPage:
        intro_entry = next((e for e in self.published.pages if e.url == "/"), None)
        get = self.config.get
        return self.page(
            "/", self.config.site_name, "home.html", description=intro_entry.meta.summary if intro_entry else "",
            intro=self.body(intro_entry) if intro_entry else "",
            cases=self.published.cases[: get("home_cases", 6)],
            events=self.published.upcoming_events[: get("home_events", 5)],
            news=self.published.news[: get("home_news", 5)],
        )

    def case_pages(self) -> list[WebPage]:
        cases = self.published.cases
        pages = [self.page(e.url, e.meta.title, "case.html", entry=e, description=e.meta.summary, og_type="article",
                           data=[article_jsonld(e, self.config)], body=self.body(e)) for e in cases]
        facets = case_facets(cases)
        per_page = self.config.get("cases_per_page", 20)
        lists = [("/cases/", "協働事例", "市内の多様な主体による協働の取組を紹介します。", cases)]
        for group in facets:
            for option in group["options"]:
                heading = f"協働事例：{group['label']}「{option['label']}」"
                lists.append((option["url"], heading, "", option["items"]))
        for base, heading, lead, items in lists:
            for pager in paginate(items, per_page, base):
                title = heading if pager.number == 1 else f"{heading}（{pager.number}ページ）"
                pages.append(self.page(pager.url, title, "case_list.html", heading=heading, lead=lead, facets=facets,
                                       facets_open=base != "/cases/", current_facet=base if base != "/cases/" else "",
                                       total=len(items), items=pager.items, pages=pager))
        return pages

    def event_pages(self) -> list[WebPage]:
        extra_actions, list_extra = self.event_actions, self.event_list_extra
        now = self.published.now
        pages = []
        for e in self.published.events:
            actions = extra_actions(e) if extra_actions else ""
            pages.append(self.page(e.url, e.meta.title, "event.html", entry=e, description=e.meta.summary, og_type="article",
                                   data=[event_jsonld(e, self.config)], body=self.body(e),
                                   past=e.meta.ends_at <= now, extra_actions=actions))
        upcoming = self.published.upcoming_events
        for pager in paginate(self.published.past_events, self.config.get("events_past_per_page", 30), "/events/"):
            title = "イベント" if pager.number == 1 else f"終了したイベント（{pager.number}ページ）"
            pages.append(self.page(pager.url, title, "event_list.html", upcoming=upcoming, past=pager.items,
                                   pages=pager, list_extra=list_extra))
        return pages

    def news_pages(self) -> list[WebPage]:
        news = self.published.news
        pages = [self.page(e.url, e.meta.title, "news.html", entry=e, description=e.meta.summary, og_type="article",
                           data=[article_jsonld(e, self.config)], body=self.body(e), back_url="/news/",
                           back_label="お知らせ一覧") for e in news]
        for pager in paginate(news, self.config.get("news_per_page", 20), "/news/"):
            title = "お知らせ" if pager.number == 1 else f"お知らせ（{pager.number}ページ）"
            pages.append(self.page(pager.url, title, "news_list.html", heading="お知らせ", items=pager.items, pages=pager))
        return pages

    def issue_pages(self) -> list[WebPage]:
        issues = self.published.issues
        pages = [self.page(e.url, e.meta.title, "issue.html", entry=e, description=e.meta.summary, og_type="article",
                           data=[article_jsonld(e, self.config)],
                           **issue_context(e, self.body(e), self.config, self.published.now)) for e in issues]
        pages.append(self.page("/issues/", "課題を知る", "issue_list.html", items=issues))
        return pages

    def newsletter_pages(self) -> list[WebPage]:
        """Web copies of the editions sent by now (no personal links) and the archive."""
        editions = site_editions(self.published, self.config.get("newsletter_upcoming_weeks", DEFAULT_UPCOMING_WEEKS), self.config.site_name)
        pages = [self.page(e.web_url, e.title, "newsletter.html", description=e.summary, og_type="article",
                           edition=e, body=self.body(e.entry)) for e in editions]
        if editions:
            pages.append(self.page("/newsletter/", "メールマガジン バックナンバー", "newsletter_list.html", editions=editions))
        return pages

    def search(self) -> WebPage:
        page = self.page("/search/", "サイト内検索", "search.html")
        page.in_sitemap = False
        return page

    def editor_page(self, entry: Entry) -> WebPage:
        """An ordinary page: the engine renders its Markdown as written."""
        url = entry.url
        head = self.head(url, entry.meta.title, entry.meta.summary, entry, "article", [])
        # Wrapped (md_in_html) so that Pagefind indexes ordinary pages like items.
        # The heading stays outside Markdown so no permalink mark joins the search title.
        markdown = (f'<h1 data-pagefind-meta="title">{html.escape(entry.meta.title)}</h1>\n\n'
                    f'<div data-pagefind-body markdown="1">\n\n{entry.body}\n\n</div>\n')
        return WebPage(url, entry.meta.title, f"{entry.meta.title} - {self.config.site_name}", head,
                       markdown=markdown, source=entry.path, lastmod=dates.iso(entry.meta.date))


def _safe_jsonld(data: dict) -> Markup:
    return Markup(jsonld(data))


def case_facets(cases: list[Entry]) -> list[dict]:
    """Ward, SDG, partner type and status, each value with its cases."""
    def group(label: str, slug: str, keys: list, names: dict, values_of) -> dict:
        options = []
        for key in keys:
            items = [c for c in cases if key in values_of(c)]
            if items:
                options.append({"label": names[key], "url": f"/cases/{slug}/{key}/", "count": len(items), "items": items})
        return {"label": label, "options": options}

    return [
        group("地域", "ward", [*WARDS, "citywide"], AREA_NAMES, lambda c: c.meta.wards),
        group("SDGs", "sdg", list(range(1, 18)), {n: f"目標{n} {labels.SDGS[n]}" for n in range(1, 18)}, lambda c: c.meta.sdgs),
        group("協働の主体", "partner", list(labels.PARTNER_TYPES), labels.PARTNER_TYPES, lambda c: {p.type for p in c.meta.partners}),
        group("状況", "status", list(labels.CASE_STATUS), labels.CASE_STATUS, lambda c: {c.meta.status}),
    ]


_LINK = re.compile(r'(?P<attr>\b(?:src|href))="(?P<target>[^"#:?]+\.(?:md|png|jpe?g|gif|svg|webp|pdf|csv))(?P<rest>[#?][^"]*)?"')


def rewrite_links(body: str, entry: Entry, published: Published) -> str:
    """Relative links in an item body, resolved from its source file: ``.md`` links
    become the target's URL, files become their copied location."""
    source_folder = entry.url.rstrip("/").rsplit("/", 1)[0] + "/"

    def replace(match: re.Match) -> str:
        target = match["target"]
        if target.startswith("/"):
            return match[0]
        site_path = "/" + _normalize(source_folder.lstrip("/") + target)
        if target.endswith(".md"):
            linked = _entry_for_source(site_path, published)
            if linked is None:
                return match[0]
            site_path = linked
        return f'{match["attr"]}="{relative_url(site_path, entry.url)}{match["rest"] or ""}"'

    return _LINK.sub(replace, body)


def _normalize(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _entry_for_source(site_path: str, published: Published) -> str | None:
    # /cases/foo.md -> /cases/foo/ ; /events/bar.md -> /events/bar/
    candidate = site_path[: -len(".md")] + "/"
    return candidate if published.find(candidate) else None
