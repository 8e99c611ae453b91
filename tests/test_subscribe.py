"""Discoverable channels: the channels page 「メール・RSS・カレンダーで受け取る」 and robots.txt.

Real builds of a scratch project (public, draft and future issue pages with CSVs, a
newsletter edition sent by the build time): the page is read with lxml and each of its
links is followed to the built file it names, feeds are recognised by feedparser, the
calendar by icalendar and robots.txt by Python's own robots.txt parser.
"""

from __future__ import annotations

import json
import urllib.robotparser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import feedparser
import icalendar
import lxml.etree
import lxml.html
import pytest
import yaml

from site_builder.cli import main
from site_builder.site.pages import SUBSCRIBE_URL
from tests.channel_site import EXTRA_FILES
from tests.conftest import new_project, without_server

SITE = "https://www.yokohama-kyodo.example/"
NOW = "2020-07-20T12:00"
SIGNUP = "https://list.yokohama-kyodo.example/join"
POPULATION = EXTRA_FILES["content/issues/population.md"]  # a public issue page with one CSV
CSV = EXTRA_FILES["content/data/population.csv"]


def issue(title: str, csv: str, extra: str = "") -> str:
    """The public issue page under another title and CSV, with more front matter."""
    text = POPULATION.replace("title: 区別の人口", f"title: {title}{extra}")
    return text.replace("file: data/population.csv", f"file: data/{csv}")


FILES = {
    "content/issues/population.md": POPULATION,
    "content/issues/draft-issue.md": issue("DRAFT-SECRET の課題", "draft-secret.csv", "\n        draft: true"),
    "content/issues/future-issue.md": issue("FUTURE-SECRET の課題", "future-secret.csv").replace(
        "date: 2020-07-02", "date: 2030-01-01"
    ),
    "content/data/population.csv": CSV,
    "content/data/draft-secret.csv": CSV,
    "content/data/future-secret.csv": CSV,
    "content/newsletter/2020-07a.md": "---\ntitle: 7月号\ndate: 2020-07-01T09:00\n---\n今月のお知らせです。\n",
}


def build(root: Path) -> Path:
    assert main(["--root", str(root), "build", "--now", NOW, "--quiet"]) == 0
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = new_project(tmp_path_factory.mktemp("subscribe"), FILES)
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["extra"]["site_builder"]["newsletter_signup_url"] = SIGNUP
    config["extra"]["site_builder"].pop(
        "server_url"
    )  # with it, the server's form is shown instead (test_site_forms.py)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return build(root)


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory) -> Path:
    """No sign-up URL, no edition, no issue page."""
    root = new_project(tmp_path_factory.mktemp("bare"))
    config = root / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(line for line in lines if "newsletter_signup_url:" not in line), encoding="utf-8")
    return build(without_server(root))


def channels_page(site: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(site / SUBSCRIBE_URL.strip("/") / "index.html")).getroot()


def section(page: lxml.html.HtmlElement, heading_id: str) -> lxml.html.HtmlElement:
    (found,) = page.xpath(f"//section[@aria-labelledby='{heading_id}']")
    return found


def built_file(site: Path, href: str) -> Path:
    """The built file a link of the channels page leads to."""
    path = unquote(urlsplit(urljoin(SITE + SUBSCRIBE_URL.lstrip("/"), href)).path)
    target = site / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def test_the_page_is_titled_in_plain_japanese_and_in_the_sitemap(site: Path):
    page = channels_page(site)
    assert page.findtext(".//title").startswith("メール・RSS・カレンダーで受け取る - ")
    assert page.xpath("string(//article//h1)") == "メール・RSS・カレンダーで受け取る"
    sitemap = lxml.etree.parse(str(site / "sitemap.xml"))
    urls = sitemap.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert SITE + SUBSCRIBE_URL.lstrip("/") in urls


def test_every_feed_the_build_writes_is_listed_with_its_address(site: Path):
    written = set()  # the RSS and Atom files feedparser recognises (not the sitemap), and JSON Feeds
    for path in sorted(site.rglob("*.xml")):
        if feedparser.parse(path.read_bytes()).version:
            written.add(path)
    for path in sorted(site.rglob("*.json")):
        if str(json.loads(path.read_bytes()).get("version", "")).startswith("https://jsonfeed.org/version/"):
            written.add(path)
    assert {p.relative_to(site).as_posix() for p in written} == {
        "feed.xml",
        "cases/feed.xml",
        "events/feed.xml",
        "news/feed.xml",
        "feed.json",
    }
    feeds = section(channels_page(site), "feeds")
    links = feeds.xpath(".//a[@type='application/rss+xml' or @type='application/feed+json']")
    assert {built_file(site, a.get("href")) for a in links} == written
    for link in links:  # the address a reader copies is the absolute URL of the same file
        shown = link.text_content()
        assert shown.startswith(SITE) and built_file(site, shown) == built_file(site, link.get("href"))
    labels = [dt.text_content() for dt in feeds.xpath(".//dt")]
    assert "協働事例（RSS 2.0）" in labels and "イベント（RSS 2.0）" in labels


def test_the_event_calendar_is_offered_to_google_iphone_and_outlook(site: Path):
    calendar = section(channels_page(site), "calendar")
    hrefs = calendar.xpath(".//a/@href")
    address = SITE + "events/calendar.ics"
    webcal = "webcal://www.yokohama-kyodo.example/events/calendar.ics"
    google = [h for h in hrefs if urlsplit(h).netloc == "calendar.google.com"]
    assert [parse_qs(urlsplit(h).query)["cid"] for h in google] == [[webcal]]
    assert webcal in hrefs
    outlook = {urlsplit(h).netloc: parse_qs(urlsplit(h).query) for h in hrefs if "/calendar/0/addfromweb" in h}
    assert set(outlook) == {"outlook.live.com", "outlook.office.com"}
    for query in outlook.values():
        assert query["url"] == [address] and query["name"] == ["イベント - 横浜市市民協働推進センター"]
    (ics,) = calendar.xpath(".//a[@type='text/calendar']")
    assert ics.text_content() == address
    parsed = icalendar.Calendar.from_ical(built_file(site, ics.get("href")).read_bytes())
    assert str(parsed["x-wr-calname"]) == "イベント - 横浜市市民協働推進センター"
    for word in ("Google カレンダー", "iPhone", "Outlook"):
        assert word in calendar.text_content()


def test_the_newsletter_sign_up_and_archive_are_linked(site: Path, bare_site: Path):
    newsletter = section(channels_page(site), "newsletter")
    assert SIGNUP in newsletter.xpath(".//a/@href")
    archive = [a for a in newsletter.xpath(".//a") if "バックナンバー" in a.text_content()]
    assert [built_file(site, a.get("href")).is_file() for a in archive] == [True]
    assert "7月号" in built_file(site, archive[0].get("href")).read_text(encoding="utf-8")
    bare = section(channels_page(bare_site), "newsletter")
    assert bare.xpath(".//a") == [] and "準備中" in bare.text_content()  # no sign-up yet, no archive yet


def test_open_data_lists_the_public_issue_pages_csvs_only(site: Path, bare_site: Path):
    open_data = section(channels_page(site), "open-data")
    csvs = [a for a in open_data.xpath(".//a[@download]")]
    assert [a.text_content() for a in csvs] == ["population.csv"]
    assert built_file(site, csvs[0].get("href")).read_text(encoding="utf-8") == CSV
    assert "CC BY 4.0" in open_data.text_content() and "横浜市統計" in open_data.text_content()
    assert built_file(site, open_data.xpath(".//h3/a/@href")[0]) == site / "issues" / "population" / "index.html"
    page = lxml.html.tostring(channels_page(site), encoding="unicode")
    assert "SECRET" not in page and "draft-issue" not in page and "future-issue" not in page
    assert "公開中のデータはまだありません" in section(channels_page(bare_site), "open-data").text_content()


def test_the_api_files_and_their_schemas_are_linked(site: Path):
    api = section(channels_page(site), "api")
    listings = api.xpath(".//a[@type='application/json']")
    assert sorted(built_file(site, a.get("href")).relative_to(site).as_posix() for a in listings) == sorted(
        p.relative_to(site).as_posix() for p in (site / "api").glob("*.json")
    )
    schemas = [built_file(site, href) for href in api.xpath(".//a[@type='application/schema+json']/@href")]
    assert len(schemas) == len(listings) and all(path.is_file() for path in schemas)


def test_every_local_link_of_the_page_leads_to_a_built_file(site: Path):
    hrefs = channels_page(site).xpath("//article//a/@href")
    local = [h for h in hrefs if not urlsplit(h).scheme and not h.startswith("#")]
    assert len(local) > 10
    assert [h for h in local if not built_file(site, h).is_file()] == []


def test_robots_txt_names_the_sitemap_by_its_absolute_url(site: Path):
    robots = urllib.robotparser.RobotFileParser()
    robots.parse((site / "robots.txt").read_text(encoding="utf-8").splitlines())
    assert robots.site_maps() == [SITE + "sitemap.xml"]
    assert robots.can_fetch("*", SITE + "cases/") and robots.can_fetch("Googlebot", SITE + SUBSCRIBE_URL.lstrip("/"))
    assert (site / "sitemap.xml").is_file()
    assert "SECRET" not in (site / "robots.txt").read_text(encoding="utf-8")
