"""RSS 2.0 and JSON Feed 1.1, read back with lxml and feedparser (W3C validator rules)."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from site_builder import pipeline
from site_builder.channels import feeds
from site_builder.content import dates
from site_builder.context import Progress
from tests.channel_site import LEAK_MARKERS, PUBLIC, SITE, TRICKY_TITLE, built_site
from tests.conftest import new_project

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0900$"
)
FEEDS = {
    "feed.xml": ("/", ["case", "event", "news", "issue"]),
    "cases/feed.xml": ("/cases/", ["case"]),
    "events/feed.xml": ("/events/", ["event"]),
    "news/feed.xml": ("/news/", ["news"]),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory)


def channel(site: Path, name: str):
    return lxml.etree.fromstring((site / name).read_bytes()).find("channel")


def pub_date(item) -> dt.datetime:
    return email.utils.parsedate_to_datetime(item.findtext("pubDate"))


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_rss_channel_follows_the_validator_rules(site: Path, name: str):
    page, _ = FEEDS[name]
    root = lxml.etree.fromstring((site / name).read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = root.find("channel")
    assert ch.findtext("language") == "ja"
    assert ch.findtext("link") == SITE + page.lstrip("/")
    assert ch.findtext("title") and ch.findtext("description")
    self_links = [link for link in ch.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [link.get("href") for link in self_links] == [SITE + name]
    items = ch.findall("item")
    assert items, name
    assert RFC822.match(ch.findtext("lastBuildDate"))
    assert email.utils.parsedate_to_datetime(ch.findtext("lastBuildDate")) == max(pub_date(i) for i in items)
    for item in items:
        assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true" and guid.text == item.findtext("link")
    dates = [pub_date(i) for i in items]
    assert dates == sorted(dates, reverse=True), "newest first"


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_rss_lists_exactly_the_public_items(site: Path, name: str):
    _, kinds = FEEDS[name]
    links = [item.findtext("link") for item in channel(site, name).findall("item")]
    expected = {SITE + url.lstrip("/") for kind in kinds for url in PUBLIC[kind]}
    assert sorted(links) == sorted(expected)


def test_dates_come_from_the_content_in_tokyo_time(site: Path):
    items = {i.findtext("link"): i.findtext("pubDate") for i in channel(site, "feed.xml").findall("item")}
    assert items[SITE + "cases/kodomo-shokudo/"] == "Wed, 15 Jul 2020 10:00:00 +0900"
    assert items[SITE + "news/with-links/"] == "Sun, 19 Jul 2020 09:30:00 +0900"  # written as 00:30Z
    assert items[SITE + "events/all-day-fair/"] == "Sun, 05 Jul 2020 00:00:00 +0900"


def test_events_are_ordered_by_publish_date_not_start(site: Path):
    links = [i.findtext("link") for i in channel(site, "events/feed.xml").findall("item")]
    assert links == [SITE + url.lstrip("/") for url in PUBLIC["event"]]


def test_titles_decode_to_exactly_the_original(site: Path):
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [entry.title for entry in parsed.entries]
    assert TRICKY_TITLE in titles
    xml_titles = [i.findtext("title") for i in channel(site, "feed.xml").findall("item")]
    assert titles == xml_titles


def test_description_is_the_summary_as_text_never_markup(site: Path):
    item = next(
        i for i in channel(site, "events/feed.xml").findall("item") if i.findtext("link").endswith("/channel-test/")
    )
    fragment = lxml.html.fragment_fromstring(item.findtext("description"), create_parent="div")
    assert fragment.text_content() == 'A & B <i>斜体ではない</i> "引用"'
    assert fragment.findall(".//i") == []


def item_html(site: Path, name: str) -> dict[str, lxml.html.HtmlElement]:
    return {
        i.findtext("link"): lxml.html.fragment_fromstring(i.findtext(CONTENT), create_parent="div")
        for i in channel(site, name).findall("item")
        if i.findtext(CONTENT)
    }


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_item_html_is_absolute_and_inactive(site: Path, name: str):
    for link, html in item_html(site, name).items():
        assert html.xpath("//script | //iframe | //style | //object | //embed") == [], link
        for element in html.iter():
            assert not [a for a in element.attrib if a.lower().startswith("on") or a == "style"], (link, element.attrib)
        for url in html.xpath("//@href | //@src"):
            assert urlsplit(url).scheme in ("http", "https", "mailto"), (link, url)


def test_relative_links_in_a_body_resolve_to_the_site(site: Path):
    html = item_html(site, "feed.xml")
    event = html[SITE + "events/channel-test/"]
    hrefs = event.xpath("//a/@href")
    assert SITE + "cases/kodomo-shokudo/" in hrefs and SITE + "news/" in hrefs
    assert event.xpath("//img/@src") == [SITE + "events/images/map.png"]
    assert (site / "events/images/map.png").is_file()
    news = html[SITE + "news/with-links/"].xpath("//a/@href")
    assert news == [SITE + "about/", SITE + "events/", SITE + "news/with-links/#top"]
    assert "クリック" in event.text_content()  # the harmless content stays


def test_feedparser_reads_every_feed_without_complaint(site: Path):
    for name in FEEDS:
        parsed = feedparser.parse((site / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.feed.language == "ja"
        for entry in parsed.entries:
            assert entry.published_parsed and entry.id == entry.link


def test_json_feed_1_1(site: Path):
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == SITE + "feed.json" and feed["home_page_url"] == SITE
    assert feed["language"] == "ja" and isinstance(feed["title"], str) and feed["title"]
    assert set(feed) <= {
        "version",
        "title",
        "home_page_url",
        "feed_url",
        "description",
        "user_comment",
        "next_url",
        "icon",
        "favicon",
        "authors",
        "language",
        "expired",
        "hubs",
        "items",
    }
    rss_links = [i.findtext("link") for i in channel(site, "feed.xml").findall("item")]
    assert [item["url"] for item in feed["items"]] == rss_links
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids)
    published = []
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["url"].startswith(SITE)
        assert "content_html" in item or "content_text" in item
        stamp = dt.datetime.fromisoformat(item["date_published"])
        assert stamp.utcoffset() == dt.timedelta(hours=9)
        published.append(stamp)
        if "date_modified" in item:
            assert dt.datetime.fromisoformat(item["date_modified"]) >= stamp
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        html = lxml.html.fragment_fromstring(item.get("content_html", "<p></p>"), create_parent="div")
        assert html.xpath("//script | //iframe") == []
    assert published == sorted(published, reverse=True)
    tricky = next(item for item in feed["items"] if item["url"].endswith("/channel-test/"))
    assert tricky["title"] == TRICKY_TITLE and tricky["date_modified"] == "2020-07-18T09:30:00+09:00"
    assert tricky["image"] == SITE + "events/images/map.png"


def test_pages_announce_the_feeds(site: Path):
    for page in ("index.html", "events/open-dialogue/index.html", "about/index.html", "cases/index.html"):
        head = lxml.html.fromstring((site / page).read_bytes()).head
        page_url = SITE + page.removesuffix("index.html")
        links = {urljoin(page_url, link.get("href")): link.get("type") for link in head.xpath("link[@rel='alternate']")}
        assert links == {SITE + "feed.xml": "application/rss+xml", SITE + "feed.json": "application/feed+json"}, page
        # relative, so that a preview on another origin never reaches out to the public site
        assert all(not urlsplit(link.get("href")).netloc for link in head.xpath("link[@rel='alternate']"))
        for url in links:
            assert (site / url[len(SITE) :]).is_file(), url


def test_no_draft_or_future_item_in_any_feed(site: Path):
    for name in [*FEEDS, "feed.json"]:
        text = (site / name).read_text(encoding="utf-8")
        for marker in LEAK_MARKERS:
            assert marker not in text, (name, marker)


def test_a_feed_without_items_still_has_a_date_from_the_content(tmp_path: Path):
    root = new_project(
        tmp_path,
        {
            "cases/only.md": """
        ---
        title: 唯一の事例
        date: 2020-07-03T15:00
        summary: ひとつだけ
        partners: [{name: A, type: npo}, {name: B, type: company}]
        status: ongoing
        ---
        本文
        """
        },
    )
    build = pipeline.prepare(root, dates.as_instant(dates.parse_time("2030-01-01")), Progress(quiet=True))
    outputs = feeds.render_feeds(build)
    news = lxml.etree.fromstring(outputs["/news/feed.xml"]).find("channel")
    assert news.findall("item") == []
    assert news.findtext("lastBuildDate") == "Fri, 03 Jul 2020 15:00:00 +0900"  # the newest item, not the clock
    assert json.loads(outputs["/feed.json"])["items"][0]["content_html"] == "<p>本文</p>"
