"""iCalendar files read back with icalendar (and as raw octets for line folding)."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import lxml.html
import pytest

from site_builder import pipeline
from site_builder.channels import calendars as calendar_ics
from site_builder.content import dates
from site_builder.context import Progress
from tests.channel_site import LEAK_MARKERS, LONG_TITLE, PUBLIC, SITE, TRICKY_TITLE, built_site
from tests.conftest import new_project

TOKYO = ZoneInfo("Asia/Tokyo")
HOST = "www.yokohama-kyodo.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory)


def read(site: Path, name: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical((site / name).read_bytes())


def events_by_url(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["URL"]): event for event in calendar.walk("VEVENT")}


def test_the_calendar_has_every_public_event_once(site: Path):
    calendar = read(site, "events/calendar.ics")
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert sorted(events_by_url(calendar)) == sorted(SITE + url.lstrip("/") for url in PUBLIC["event"])
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert sorted(uids) == sorted(f"{url.split('/')[2]}@{HOST}" for url in PUBLIC["event"])


def test_one_file_per_public_event_and_none_for_the_others(site: Path):
    files = sorted(p.relative_to(site).as_posix() for p in site.glob("events/*/event.ics"))
    assert files == sorted(f"{url.lstrip('/')}event.ics" for url in PUBLIC["event"])
    for name in files:
        (event,) = read(site, name).walk("VEVENT")
        assert str(event["URL"]) == SITE + name.removesuffix("event.ics")


def test_vtimezone_for_tokyo_and_times_in_it(site: Path):
    calendar = read(site, "events/calendar.ics")
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Tokyo"
    offsets = {component["TZOFFSETTO"].td for component in timezone.walk() if "TZOFFSETTO" in component}
    assert offsets == {dt.timedelta(hours=9)}
    event = events_by_url(calendar)[SITE + "events/channel-test/"]
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == dt.datetime(2020, 8, 20, 10, 0, tzinfo=TOKYO)  # written as 01:00Z
    assert end == dt.datetime(2020, 8, 20, 12, 0, tzinfo=TOKYO)
    assert start.utcoffset() == dt.timedelta(hours=9)


def test_all_day_events_are_dates_with_an_exclusive_end(site: Path):
    events = events_by_url(read(site, "events/calendar.ics"))
    fair = events[SITE + "events/all-day-fair/"]
    assert fair["DTSTART"].params.get("VALUE") == "DATE"
    assert fair.decoded("DTSTART") == dt.date(2020, 8, 22) and fair.decoded("DTEND") == dt.date(2020, 8, 24)
    single = events[SITE + "events/lab-open-day/"]  # start: 2020-06-29, no end
    assert (single.decoded("DTSTART"), single.decoded("DTEND")) == (dt.date(2020, 6, 29), dt.date(2020, 6, 30))


def test_status_location_url_and_description(site: Path):
    events = events_by_url(read(site, "events/calendar.ics"))
    status = {url: str(event["STATUS"]) for url, event in events.items()}
    assert status[SITE + "events/trial-studio-cancelled/"] == "CANCELLED"
    assert status[SITE + "events/lab-open-day/"] == "TENTATIVE"  # postponed
    assert status[SITE + "events/open-dialogue/"] == "CONFIRMED"
    ct = events[SITE + "events/channel-test/"]
    assert str(ct["SUMMARY"]) == TRICKY_TITLE
    assert str(ct["LOCATION"]) == "協働ラボ（横浜市中区本町6-50-10）"
    description = str(ct["DESCRIPTION"])
    assert description.startswith('A & B <i>斜体ではない</i> "引用"') and SITE + "events/channel-test/" in description
    assert str(events[SITE + "events/trial-studio-cancelled/"]["LOCATION"]) == "https://example.org/live/ts1"
    assert str(events[SITE + "events/trial-studio-cancelled/"]["SUMMARY"]).startswith("【中止】")
    for event in events.values():
        assert str(event["LOCATION"]) and str(event["DESCRIPTION"])


def test_dtstamp_and_sequence_come_from_the_content(site: Path):
    events = events_by_url(read(site, "events/calendar.ics"))
    updated = events[SITE + "events/channel-test/"]
    assert updated.decoded("DTSTAMP") == dt.datetime(2020, 7, 18, 9, 30, tzinfo=TOKYO)  # its `updated`
    assert updated.decoded("LAST-MODIFIED") == updated.decoded("DTSTAMP")
    assert updated.decoded("CREATED") == dt.datetime(2020, 7, 10, 9, 0, tzinfo=TOKYO)  # its `date`
    assert updated.decoded("SEQUENCE") > 0
    plain = events[SITE + "events/open-dialogue/"]
    assert plain.decoded("DTSTAMP") == dt.datetime(2020, 7, 1, tzinfo=TOKYO)
    assert plain.decoded("SEQUENCE") == 0
    assert "DTSTAMP:20200718T003000Z" in (Path(site) / "events/channel-test/event.ics").read_text(encoding="utf-8")


EVENT = """
    ---
    title: 講座
    date: 2020-07-01T09:00
    {updated}
    summary: 講座です
    start: 2020-08-01T10:00
    venue: 協働ラボ
    ---
    本文
    """


def sequence_and_stamp(root: Path, updated: str) -> tuple[int, dt.datetime]:
    (root / "events" / "koza.md").write_text(textwrap.dedent(EVENT).lstrip().format(updated=updated), encoding="utf-8")
    build = pipeline.prepare(root, dates.as_instant(dates.parse_time("2020-07-20T12:00")), Progress(quiet=True))
    (event,) = icalendar.Calendar.from_ical(calendar_ics.render_calendars(build)["/events/koza/event.ics"]).walk(
        "VEVENT"
    )
    return event.decoded("SEQUENCE"), event.decoded("DTSTAMP")


def test_sequence_grows_with_every_change_and_is_reproducible(tmp_path: Path):
    root = new_project(tmp_path)
    versions = [
        sequence_and_stamp(root, u)
        for u in ("", "updated: 2020-07-02T10:00", "updated: 2020-07-02T10:05", "updated: 2020-07-15")
    ]
    sequences = [seq for seq, _ in versions]
    assert sequences[0] == 0 and sequences == sorted(set(sequences)), sequences
    assert [stamp for _, stamp in versions][1] == dt.datetime(2020, 7, 2, 10, 0, tzinfo=TOKYO)
    assert sequence_and_stamp(root, "updated: 2020-07-02T10:05") == versions[2]  # same content, same SEQUENCE


def test_updated_before_date_is_an_error(tmp_path: Path, run_cli):
    root = new_project(tmp_path)
    (root / "events" / "koza.md").write_text(
        textwrap.dedent(EVENT).lstrip().format(updated="updated: 2020-06-01"), encoding="utf-8"
    )
    code, _, err = run_cli("--root", root, "check")
    assert code == 1
    assert "events/koza.md:4: updated: updated is before date (the publish time)" in err


def test_lines_are_folded_at_75_octets_between_characters(site: Path):
    for name in ("events/calendar.ics", "events/all-day-fair/event.ics", "events/channel-test/event.ics"):
        data = (site / name).read_bytes()
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        lines = data.split(b"\r\n")[:-1]
        for line in lines:
            assert len(line) <= 75, (name, line)
            line.decode("utf-8")  # no character is cut between two lines
        assert any(line.startswith(b" ") for line in lines), "long Japanese lines were folded"
    fair = events_by_url(read(site, "events/all-day-fair/event.ics"))[SITE + "events/all-day-fair/"]
    assert str(fair["SUMMARY"]) == LONG_TITLE and len(LONG_TITLE.encode()) > 75


def test_event_pages_link_to_add_to_calendar(site: Path):
    page = lxml.html.fromstring((site / "events/channel-test/index.html").read_bytes())
    (block,) = page.xpath("//p[contains(@class, 'sb-calendar')]")
    google, ics = block.xpath(".//a/@href")
    assert ics == "event.ics" and (site / "events/channel-test/event.ics").is_file()
    url = urlsplit(google)
    assert (url.scheme, url.netloc, url.path) == ("https", "calendar.google.com", "/calendar/render")
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["action"] == "TEMPLATE" and query["text"] == TRICKY_TITLE
    assert query["dates"] == "20200820T010000Z/20200820T030000Z"
    assert query["location"] == "協働ラボ（横浜市中区本町6-50-10）"
    assert query["details"].startswith('A & B <i>斜体ではない</i> "引用"')
    fair = lxml.html.fromstring((site / "events/all-day-fair/index.html").read_bytes())
    google = fair.xpath("//p[contains(@class, 'sb-calendar')]//a/@href")[0]
    assert parse_qs(urlsplit(google).query)["dates"] == ["20200822/20200824"]
    events = lxml.html.fromstring((site / "events/index.html").read_bytes())
    # the list leads to the channels page, which explains the subscription for each calendar app
    assert events.xpath("//p[contains(@class, 'sb-calendar')]//a/@href") == ["../subscribe/#calendar"]


def test_no_calendar_links_for_past_cancelled_or_postponed_events(site: Path):
    for slug in ("mirai-link", "trial-studio-cancelled", "lab-open-day"):
        page = lxml.html.fromstring((site / f"events/{slug}/index.html").read_bytes())
        assert page.xpath("//p[contains(@class, 'sb-calendar')]") == [], slug


def test_no_draft_or_future_event_in_any_calendar(site: Path):
    for path in sorted(site.glob("events/**/*.ics")):
        text = path.read_text(encoding="utf-8")
        for marker in LEAK_MARKERS:
            assert marker not in text, (path, marker)
