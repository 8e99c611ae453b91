"""The feed channel: RSS 2.0 with feedgen, and JSON Feed 1.1 from the same items.

    /feed.xml          every published item (cases, events, news, issue pages)
    /cases/feed.xml    /events/feed.xml    /news/feed.xml
    /feed.json         JSON Feed 1.1, every published item

What the W3C feed validator asks for: RFC 822 dates in Asia/Tokyo (``+0900``), a
guid that is the permalink, ``atom:link rel="self"``, ``language`` ja, absolute
URLs and no active content inside item HTML (:mod:`item_html`), newest first.
Every date comes from the content (feedgen would default to the clock): an item's
``pubDate`` is its publish time, a channel's ``lastBuildDate`` the newest of them.
Events are listed by publish time too, like everything else in a feed. The
description is the plain-text summary, escaped, so it can never turn into markup;
``content:encoded`` is the full body.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from site_builder.channels.portable import item_json, json_with_items, portable_body
from site_builder.content import dates
from site_builder.content.events import present_event
from site_builder.content.labels import KINDS
from site_builder.content.readers import Entry
from site_builder.context import NO_MEMO, Memo

if TYPE_CHECKING:
    from site_builder.content.settings import Config
    from site_builder.context import Build

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_PATH = "/feed.json"
# Tags an item shows as feed categories, the first ones as written; a reader shows no more, and
# feedgen's work grows with the square of an entry's categories (each call rebuilds them all).
MAX_CATEGORIES = 30


@dataclass(frozen=True)
class FeedSpec:
    path: str
    title: str
    page: str  # the HTML page the feed stands for
    kinds: tuple[str, ...]


EVERY_KIND = ("case", "event", "news", "issue")  # what the site-wide feeds carry


def feed_specs(config: Config) -> list[FeedSpec]:
    site = config.site_name
    return [
        FeedSpec("/feed.xml", site, "/", EVERY_KIND),
        FeedSpec("/cases/feed.xml", f"協働事例 - {site}", "/cases/", ("case",)),
        FeedSpec("/events/feed.xml", f"イベント - {site}", "/events/", ("event",)),
        FeedSpec("/news/feed.xml", f"お知らせ - {site}", "/news/", ("news",)),
    ]


@dataclass(frozen=True)
class FeedLink:
    """One feed the build writes, as a reader subscribes to it."""

    path: str
    kinds: tuple[str, ...]
    format: str  # its name, as readers' apps show it
    media_type: str

    @property
    def label(self) -> str:
        """What it carries, in the site's words: 協働事例・イベント・…"""
        return "・".join(KINDS[kind] for kind in self.kinds)


def feed_links(config: Config) -> list[FeedLink]:
    """Every feed :func:`render_feeds` writes, in its order (the channels page lists them)."""
    rss = [FeedLink(spec.path, spec.kinds, "RSS 2.0", "application/rss+xml") for spec in feed_specs(config)]
    return [*rss, FeedLink(JSON_FEED_PATH, EVERY_KIND, "JSON Feed 1.1", "application/feed+json")]


def feed_paths(build: Build) -> list[str]:
    """The site paths :func:`render_feeds` writes (for the link check, without rendering)."""
    return [link.path for link in feed_links(build.config)]


def alternates(config: Config) -> list[dict]:
    """Autodiscovery ``<link rel="alternate">``s for every page's head: the site-wide feeds.

    Site paths, made relative per page by ``SiteRenderer.head``. Material's JavaScript
    takes every ``link[rel=alternate]`` for a language version and fetches
    ``sitemap.xml`` beside it: from ``/feed.xml`` that is our ``/sitemap.xml``, on the
    page's own origin; the section feeds (``/cases/sitemap.xml`` would be a 404) are
    therefore not listed here.
    """
    return [
        {"type": "application/rss+xml", "title": config.site_name, "href": "/feed.xml"},
        {"type": "application/feed+json", "title": f"{config.site_name} (JSON Feed)", "href": JSON_FEED_PATH},
    ]


@dataclass(frozen=True)
class FeedItem:
    """One entry as every feed format shows it."""

    entry: Entry
    url: str
    title: str
    summary: str
    content_html: str
    published: dt.datetime
    modified: dt.datetime | None
    image: str | None
    tags: list[str]


def render_feeds(build: Build) -> dict[str, str | bytes]:
    memo = build.memo
    # Kept by the entry's resolved body: a new one when the entry or an address it links to changed.
    items = [
        memo.result("feed-item", build.bodies.get(entry.url), lambda e=entry: feed_item(build, e), entry.url)
        for entry in build.published.items()
    ]
    # lastBuildDate of a feed without items (say, no news yet): the site's newest item.
    fallback = max((item.published for item in items), default=build.published.now)
    outputs: dict[str, str | bytes] = {}
    for spec in feed_specs(build.config):
        chosen = [item for item in items if item.entry.kind in spec.kinds]
        outputs[spec.path] = render_rss(spec, chosen, build.config, fallback, build.memo)
    outputs[JSON_FEED_PATH] = render_json_feed(items, build)
    return outputs


def feed_item(build: Build, entry: Entry) -> FeedItem:
    meta, config = entry.meta, build.config
    body = portable_body(build, entry)
    if entry.kind == "event":
        body = event_facts(entry) + body
    modified = getattr(meta, "updated", None)
    return FeedItem(
        entry=entry,
        url=config.absolute(entry.url),
        title=meta.title,
        summary=meta.summary,
        content_html=body,
        published=tokyo(meta.date),
        modified=tokyo(modified) if modified else None,
        image=config.absolute(entry.image_path) if entry.image_path else None,
        tags=list(meta.tags[:MAX_CATEGORIES]),
    )


def event_facts(entry: Entry) -> str:
    """When and where, ahead of the body (a reader shows the item without the page)."""
    lines = present_event(entry.meta).fact_lines
    return "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>\n"


def tokyo(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dates.TOKYO)


def render_rss(
    spec: FeedSpec, items: list[FeedItem], config: Config, fallback: dt.datetime, memo: Memo = NO_MEMO
) -> bytes:
    """The RSS feed of ``items``, as feedgen writes it. A live preview writes each item on its own
    once, keeps it while its entry is unchanged, and puts the items in place: the same bytes."""
    feed = _rss_channel(spec, items, config, fallback)
    if memo is NO_MEMO:  # nothing to keep: one feed, the items added in order
        for item in items:
            add_rss_item(feed, item, all_kinds=len(spec.kinds) > 1)
        return feed.rss_str(pretty=True)
    written = [
        memo.result("rss", item, lambda i=item: rss_item(i, len(spec.kinds) > 1), len(spec.kinds) > 1) for item in items
    ]
    text = feed.rss_str(pretty=True)
    assert text.count(_CHANNEL_END) == 1
    return text.replace(_CHANNEL_END, b"".join(written) + _CHANNEL_END, 1)


_CHANNEL_END = b"  </channel>\n"
_ITEM_START, _ITEM_END = b"    <item>", b"    </item>\n"


def rss_item(item: FeedItem, all_kinds: bool) -> bytes:
    """One ``<item>`` as feedgen writes it inside a channel (the same depth in every feed)."""
    feed = FeedGenerator()
    feed.title("-")
    feed.link(href="https://example.invalid/", rel="alternate")
    feed.description("-")
    add_rss_item(feed, item, all_kinds)
    text = feed.rss_str(pretty=True)
    return text[text.index(_ITEM_START) : text.rindex(_ITEM_END) + len(_ITEM_END)]


def _rss_channel(spec: FeedSpec, items: list[FeedItem], config: Config, fallback: dt.datetime) -> FeedGenerator:
    feed = FeedGenerator()
    feed.title(spec.title)
    feed.link(href=config.absolute(spec.path), rel="self", type="application/rss+xml")
    feed.link(href=config.absolute(spec.page), rel="alternate")  # RSS <link>: the last one set
    feed.description(config.description or config.site_name)
    feed.language("ja")
    feed.generator("site-builder")
    feed.lastBuildDate(max((item.published for item in items), default=tokyo(fallback)))
    return feed


def add_rss_item(feed: FeedGenerator, item: FeedItem, all_kinds: bool) -> None:
    entry = feed.add_entry(order="append")
    entry.title(item.title)
    entry.link(href=item.url)
    entry.guid(item.url, permalink=True)
    entry.description(html.escape(item.summary, quote=False))
    if item.content_html:
        entry.content(item.content_html)  # escaped text, not CDATA: a body may contain "]]>"
    entry.pubDate(item.published)
    terms = [KINDS[item.entry.kind]] if all_kinds else []
    categories = [{"term": term} for term in [*terms, *item.tags]]
    if categories:
        entry.category(categories)  # one call: feedgen rebuilds the list on each


def render_json_feed(items: list[FeedItem], build: Build) -> str:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); feedgen has no writer for it."""
    config = build.config
    feed = {
        "version": JSON_FEED_VERSION,
        "title": config.site_name,
        "home_page_url": config.site_url,
        "feed_url": config.absolute(JSON_FEED_PATH),
        "description": config.description or config.site_name,
        "language": "ja",
        "authors": [{"name": config.site_name, "url": config.site_url}],
    }
    written = [build.memo.result("json-feed", item, lambda i=item: item_json(json_feed_item(i))) for item in items]
    return json_with_items(feed, "items", written)


def json_feed_item(item: FeedItem) -> dict:
    data = {
        "id": item.url,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "date_published": item.published.isoformat(),
    }
    if item.content_html:
        data["content_html"] = item.content_html
    else:  # JSON Feed requires content_html or content_text
        data["content_text"] = item.summary
    if item.modified:
        data["date_modified"] = item.modified.isoformat()
    if item.image:
        data["image"] = item.image
    data["tags"] = [KINDS[item.entry.kind], *item.tags]
    return data
