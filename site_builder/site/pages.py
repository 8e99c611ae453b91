"""The page generators every site has: home, cases (with facets), events, news,
search and the editors' ordinary pages. Each takes the renderer and returns pages."""

from __future__ import annotations

from site_builder.content import dates, labels
from site_builder.content.forms import SIGNUP_ANCHOR
from site_builder.content.readers import Entry
from site_builder.content.settings import Config
from site_builder.content.wards import AREA_NAMES, WARDS
from site_builder.context import Build, WebPage
from site_builder.site.chrome import TOC
from site_builder.site.engine import marked_body
from site_builder.site.phrases import phrases
from site_builder.site.render import SiteRenderer, paginate
from site_builder.site.seo import article_jsonld, event_jsonld

SEARCH_URL = "/search/"
# The channels page 「メール・RSS・カレンダーで受け取る」 (channels/subscribe.py makes it);
# here, low in the layers, so that every template and generator can link it.
SUBSCRIBE_URL = "/subscribe/"
NEWSLETTER_ARCHIVE_URL = "/newsletter/"  # written by newsletter/pages.py once an edition is out
SIGNUP_FORM_URL = f"{SUBSCRIBE_URL}#{SIGNUP_ANCHOR}"  # the newsletter sign-up form (site/forms.py)


def signup_link(config: Config) -> str | None:
    """Where the site's "sign up" links lead: the form on the channels page while ``server_url``
    is set (the centre's server takes sign-ups), else ``newsletter_signup_url`` (a list service
    elsewhere), if any. The server's form wins: with both set, the list service is not linked."""
    return SIGNUP_FORM_URL if config.settings.server.url else config.settings.newsletter.signup_url


def home_page(site: SiteRenderer) -> list[WebPage]:
    published, lists = site.published, site.config.settings.lists
    intro_entry = next((e for e in published.pages if e.url == "/"), None)
    return [
        site.page(
            "/",
            site.config.site_name,
            "home.html",
            description=intro_entry.meta.summary if intro_entry else "",
            intro=site.body(intro_entry) if intro_entry else "",
            cases=published.cases[: lists.home_cases],
            events=published.upcoming_events[: lists.home_events],
            news=published.news[: lists.home_news],
            center=site.config.settings.center,
            signup_url=signup_link(site.config),
            channels_url=SUBSCRIBE_URL,
            archive_url=NEWSLETTER_ARCHIVE_URL if published.editions else None,
        )
    ]


def case_pages(site: SiteRenderer) -> list[WebPage]:
    cases = site.published.cases
    pages = [site.item_page(e, "case.html", site.jsonld(e, article_jsonld), body=site.body(e)) for e in cases]
    facets = case_facets(cases)
    menu = facet_menu(facets)
    per_page = site.config.settings.lists.cases_per_page
    for base, heading, lead, items in case_lists(cases, facets):
        for pager in paginate(items, per_page, base):
            title = heading if pager.number == 1 else f"{heading}（{pager.number}ページ）"
            pages.append(
                site.page(
                    pager.url,
                    title,
                    "case_list.html",
                    heading=heading,
                    lead=lead,
                    facets=menu,
                    facets_open=base != "/cases/",
                    current_facet=base if base != "/cases/" else "",
                    total=len(items),
                    items=pager.items,
                    pages=pager,
                )
            )
    return pages


def case_lists(cases: list[Entry], facets: list[dict]) -> list[tuple[str, str, str, list[Entry]]]:
    """``(URL, heading, lead, cases)`` of each case list: all cases, then one per facet value."""
    lists = [("/cases/", "協働事例", "市内の多様な主体による協働の取組を紹介します。", cases)]
    for group in facets:
        for option in group["options"]:
            heading = f"協働事例：{group['label']}「{option['label']}」"
            lists.append((option["url"], heading, "", option["items"]))
    return lists


def facet_menu(facets: list[dict]) -> list[dict]:
    """The facets as every case list shows them: each value's label, URL and count, not its
    cases (so that a case list page depends on the cases it lists, not on every case)."""
    return [
        {"label": group["label"], "options": [{k: v for k, v in o.items() if k != "items"} for o in group["options"]]}
        for group in facets
    ]


def case_facets(cases: list[Entry]) -> list[dict]:
    """Ward, SDG, partner type and status, each value with its cases."""

    def group(label: str, slug: str, keys: list, names: dict, values_of) -> dict:
        options = []
        for key in keys:
            items = [c for c in cases if key in values_of(c)]
            if items:
                options.append(
                    {"label": names[key], "url": f"/cases/{slug}/{key}/", "count": len(items), "items": items}
                )
        return {"label": label, "options": options}

    sdg_names = {n: f"目標{n} {labels.SDGS[n]}" for n in range(1, 18)}
    return [
        group("地域", "ward", [*WARDS, "citywide"], AREA_NAMES, lambda c: c.meta.wards),
        group("SDGs", "sdg", list(range(1, 18)), sdg_names, lambda c: c.meta.sdgs),
        group(
            "協働の主体",
            "partner",
            list(labels.PARTNER_TYPES),
            labels.PARTNER_TYPES,
            lambda c: {p.type for p in c.meta.partners},
        ),
        group("状況", "status", list(labels.CASE_STATUS), labels.CASE_STATUS, lambda c: {c.meta.status}),
    ]


def event_pages(site: SiteRenderer) -> list[WebPage]:
    now = site.published.now
    pages = []
    for e in site.published.events:
        actions = site.event_actions(e) if site.event_actions else ""
        page = site.item_page(
            e,
            "event.html",
            site.jsonld(e, event_jsonld),
            body=site.body(e),
            past=e.meta.ends_at <= now,
            extra_actions=actions,
        )
        pages.append(page)
    upcoming = site.published.upcoming_events
    for pager in paginate(site.published.past_events, site.config.settings.lists.events_past_per_page, "/events/"):
        title = "イベント" if pager.number == 1 else f"終了したイベント（{pager.number}ページ）"
        pages.append(
            site.page(
                pager.url,
                title,
                "event_list.html",
                upcoming=upcoming,
                past=pager.items,
                pages=pager,
                list_extra=site.event_list_extra,
            )
        )
    return pages


def news_pages(site: SiteRenderer) -> list[WebPage]:
    news = site.published.news
    back = {"back_url": "/news/", "back_label": "お知らせ一覧"}
    pages = [site.item_page(e, "news.html", site.jsonld(e, article_jsonld), body=site.body(e), **back) for e in news]
    for pager in paginate(news, site.config.settings.lists.news_per_page, "/news/"):
        title = "お知らせ" if pager.number == 1 else f"お知らせ（{pager.number}ページ）"
        pages.append(site.page(pager.url, title, "news_list.html", heading="お知らせ", items=pager.items, pages=pager))
    return pages


# The kinds of page the search narrows by, as the pages' search facts name them (macros.html).
SEARCH_KINDS = ("事例", "イベント", "お知らせ", "課題", "メールマガジン")
# What a result links to when nothing is found: the lists to browse.
SEARCH_LISTS = (
    ("/cases/", "協働事例の一覧"),
    ("/events/", "イベントの一覧"),
    ("/news/", "お知らせの一覧"),
    ("/issues/", "課題を知る"),
)


def search_page(site: SiteRenderer) -> list[WebPage]:
    published = site.published
    dated = [entry.meta.start for entry in published.events]
    dated += [entry.meta.date for entry in published.cases + published.news + published.issues + published.editions]
    labels_used = {**labels.CASE_STATUS, **labels.EVENT_STATUS}
    page = site.page(
        SEARCH_URL,
        "サイト内検索",
        "search.html",
        kinds=SEARCH_KINDS,
        years=sorted({dates.local_year(value) for value in dated}, reverse=True),
        lists=[(url, label) for url, label in SEARCH_LISTS if url != "/issues/" or published.issues],
        statuses={label: status for status, label in labels_used.items()},
    )
    page.in_sitemap = False
    return [page]


def ordinary_pages(site: SiteRenderer) -> list[WebPage]:
    """Editors' ordinary pages: the engine renders their Markdown as written."""
    return [ordinary_page(site, entry) for entry in site.published.pages if entry.url != "/"]


def ordinary_page(site: SiteRenderer, entry: Entry) -> WebPage:
    url = entry.url
    head = site.head(url, entry.meta.title, entry.meta.summary, entry, "article", [])
    # Wrapped (md_in_html) so that Pagefind indexes ordinary pages like items.
    # The heading stays outside Markdown so no permalink mark joins the search title.
    markdown = (
        f'<h1 data-pagefind-meta="title">{phrases(entry.meta.title)}</h1>\n\n{TOC}\n\n'
        f'<div class="sb-body" data-pagefind-body markdown="1">\n\n{marked_body(entry.body)}\n\n</div>\n'
    )
    return WebPage(
        url,
        entry.meta.title,
        f"{entry.meta.title} - {site.config.site_name}",
        head,
        markdown=markdown,
        source=entry.path,
        lastmod=dates.iso(entry.meta.date),
    )


def site_paths(build: Build) -> list[str]:
    """The URLs of this module's generators at ``build.published`` (for the link check,
    without rendering): home, search, items, every list page with its pages and facets,
    and the public ordinary pages."""
    published, lists = build.published, build.config.settings.lists
    paths = ["/", SEARCH_URL, *(entry.url for entry in published.cases + published.events + published.news)]
    for base, _, _, items in case_lists(published.cases, case_facets(published.cases)):
        paths += [pager.url for pager in paginate(items, lists.cases_per_page, base)]
    paths += [pager.url for pager in paginate(published.past_events, lists.events_past_per_page, "/events/")]
    paths += [pager.url for pager in paginate(published.news, lists.news_per_page, "/news/")]
    return paths + [entry.url for entry in published.pages]
