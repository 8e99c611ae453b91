"""The calendar channel: iCalendar (RFC 5545) files written with icalendar.

    /events/calendar.ics         every public event (subscribe to it)
    /events/<slug>/event.ics     one event (import it)

and the "add to calendar" links on event pages (the .ics and a Google Calendar link), and
the links that subscribe Google Calendar, iPhone/Mac and Outlook to the whole calendar
(:func:`subscription`, for the channels page).

* Times are Asia/Tokyo (``DTSTART;TZID=Asia/Tokyo``) with the VTIMEZONE made from
  zoneinfo; all-day events are DATE values whose DTEND is the day after the last day
  (DTEND is exclusive). icalendar folds lines at 75 octets between characters, so a
  long Japanese line is never cut inside a UTF-8 sequence.
* UID is ``<slug>@<site host>``: stable for as long as the event keeps its URL.
* STATUS: ``cancelled`` → CANCELLED, ``postponed`` → TENTATIVE, otherwise CONFIRMED; the summary has
  【中止】/【延期】 in front (many calendars hide STATUS). Both, and LOCATION, come from ``content.events``.
* Revisions, derived from the content alone so two builds always agree. A build
  cannot know an event's earlier versions (no state is kept and git history is not
  reliably there: shallow CI clones, tarballs), so the editor states when an event
  changed, with the optional front-matter field ``updated`` (a time, not before
  ``date``). DTSTAMP and LAST-MODIFIED are ``updated``, else ``date``; SEQUENCE is
  the number of whole minutes from ``date`` to ``updated`` (0 for the first
  version). It only ever grows as ``updated`` moves forward, needs no counter to
  keep, and a second edit on the same day still counts. No METHOD is set: the
  files are published calendars, not scheduling messages, and without METHOD RFC
  5545 defines DTSTAMP as the time the information was last revised, which is
  exactly what the content says (with METHOD it would be the build time).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

import icalendar

from site_builder.content import dates
from site_builder.content.events import present_event
from site_builder.content.labels import SERIES
from site_builder.content.links import relative_url
from site_builder.content.readers import Entry
from site_builder.site.pages import SUBSCRIBE_URL
from site_builder.site.render import template_env

if TYPE_CHECKING:
    from site_builder.content.settings import Config
    from site_builder.context import Build

PRODID = "-//Yokohama City Citizen Collaboration Promotion Center//site-builder//JA"
TZID = "Asia/Tokyo"
CALENDAR_PATH = "/events/calendar.ics"
CALENDAR_GUIDE = SUBSCRIBE_URL + "#calendar"  # how to subscribe with each calendar app
UTC = dt.UTC


def render_calendars(build: Build) -> dict[str, str | bytes]:
    config = build.config
    events = sorted(build.published.events, key=lambda e: (dates.as_instant(e.meta.start), e.slug))
    # Each event is serialized once, for its own calendar and for the whole one (and, in a
    # live preview, kept while its file is not saved again).
    vevents = {
        entry.url: build.memo.result("vevent", entry, lambda e=entry: render_event(config, e).to_ical())
        for entry in events
    }
    whole = render_calendar_from(config, [vevents[entry.url] for entry in events], calendar_name(config))
    outputs: dict[str, str | bytes] = {CALENDAR_PATH: whole}
    for entry in events:
        outputs[event_ics_path(entry)] = build.memo.result(
            "ics", entry, lambda e=entry: render_calendar_from(config, [vevents[e.url]], e.meta.title)
        )
    return outputs


def calendar_name(config: Config) -> str:
    """The whole calendar's name (X-WR-CALNAME), as subscribed calendars show it."""
    return f"イベント - {config.site_name}"


def calendar_paths(build: Build) -> list[str]:
    """The site paths :func:`render_calendars` writes (for the link check, without rendering)."""
    return [CALENDAR_PATH, *(event_ics_path(entry) for entry in build.published.events)]


def event_ics_path(entry: Entry) -> str:
    return f"{entry.url}event.ics"


def render_calendar_from(config: Config, vevents: list[bytes], name: str) -> bytes:
    """A VCALENDAR named ``name`` with the Tokyo time zone and ``vevents`` (each a serialized
    VEVENT), byte for byte what icalendar writes for the calendar holding them."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    head = calendar.to_ical()
    assert head.endswith(_CALENDAR_END)
    return b"".join([head[: -len(_CALENDAR_END)], tokyo_vtimezone_ical(), *vevents, _CALENDAR_END])


_CALENDAR_END = b"END:VCALENDAR\r\n"


@functools.cache
def tokyo_vtimezone_ical() -> bytes:
    return tokyo_vtimezone().to_ical()


@functools.cache
def tokyo_vtimezone() -> icalendar.Timezone:
    """Made once per process: from_tzinfo walks every hour to 2100 (~50 ms), and
    a build writes one calendar per event. Only ever serialized, never changed."""
    return icalendar.Timezone.from_tzinfo(dates.TOKYO, tzid=TZID, last_date=dt.date(2100, 1, 1))


def render_event(config: Config, entry: Entry) -> icalendar.Event:
    event, view = entry.meta, present_event(entry.meta)
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(config, entry))
    vevent.add("dtstamp", revised(entry).astimezone(UTC))
    vevent.add("created", event.date.astimezone(UTC))
    vevent.add("last-modified", revised(entry).astimezone(UTC))
    vevent.add("sequence", sequence(entry))
    vevent.add("summary", view.headline)
    start, end = event_span(entry)
    vevent.add("dtstart", start)
    if end is not None:
        vevent.add("dtend", end)
    vevent.add("status", view.calendar_status)
    vevent.add("location", view.place_full)
    vevent.add("url", config.absolute(entry.url))
    vevent.add("description", description_text(config, entry))
    if event.series:
        vevent.add("categories", [SERIES.get(event.series, event.series)])
    return vevent


def event_uid(config: Config, entry: Entry) -> str:
    return f"{entry.slug}@{urlsplit(config.site_url).hostname}"


def revised(entry: Entry) -> dt.datetime:
    return entry.meta.updated or entry.meta.date


def sequence(entry: Entry) -> int:
    """Whole minutes from publication to the editor's ``updated`` (0 without it)."""
    return int((revised(entry) - entry.meta.date).total_seconds() // 60)


def event_span(entry: Entry) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime | None]:
    """DTSTART and DTEND: dates (end exclusive) for all-day events, Tokyo times otherwise."""
    event = entry.meta
    if event.all_day:
        return event.start, (event.end or event.start) + dt.timedelta(days=1)
    end = event.end.astimezone(dates.TOKYO) if event.end is not None else None
    return event.start.astimezone(dates.TOKYO), end


def description_text(config: Config, entry: Entry) -> str:
    event = entry.meta
    lines = [event.summary, "", f"詳細：{config.absolute(entry.url)}"]
    if event.registration and present_event(event).registration_open:
        lines.append(f"お申し込み：{event.registration}")
    return "\n".join(lines)


# --- "add to calendar" on the event pages ----------------------------------------------


def google_calendar_url(config: Config, entry: Entry) -> str:
    """A Google Calendar "create event" link prefilled with the event."""
    start, end = event_span(entry)
    view = present_event(entry.meta)
    if entry.meta.all_day:
        span = f"{start:%Y%m%d}/{end:%Y%m%d}"
    else:
        end = end or start
        span = f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    query = {
        "action": "TEMPLATE",
        "text": view.headline,
        "dates": span,
        "details": description_text(config, entry),
        "location": view.place_full,
        "ctz": TZID,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query, safe="/", quote_via=quote)


def event_actions(build: Build) -> Callable[[Entry], str]:
    """For ``SiteRenderer``: the links shown on an event page that is still to come."""
    template = template_env(build.config.root / "theme" / "site").get_template("calendar_links.html")
    now = build.published.now

    def actions(entry: Entry) -> str:
        if entry.meta.ends_at <= now or present_event(entry.meta).flagged:  # past, cancelled, postponed
            return ""
        return build.memo.result(
            "actions",
            entry,
            lambda: template.render(
                ics=relative_url(event_ics_path(entry), entry.url), google=google_calendar_url(build.config, entry)
            ),
        )

    return actions


@dataclass(frozen=True)
class Subscription:
    """The event calendar (:data:`CALENDAR_PATH`) as each calendar app subscribes to it."""

    url: str  # the address to paste into any calendar app
    webcal: str  # iPhone, iPad and Mac open it in their Calendar app
    google: str
    outlook: str  # Outlook.com (a personal Microsoft account)
    outlook_work: str  # Outlook of Microsoft 365 (work or school account)


def subscription(config: Config) -> Subscription:
    """Subscription links for the whole event calendar: each app's "add from URL" page
    with the calendar's absolute address filled in."""
    url = config.absolute(CALENDAR_PATH)
    webcal = "webcal://" + url.split("://", 1)[1]
    from_web = urlencode({"url": url, "name": calendar_name(config)}, quote_via=quote)
    return Subscription(
        url=url,
        webcal=webcal,
        google="https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}, quote_via=quote),
        outlook=f"https://outlook.live.com/calendar/0/addfromweb?{from_web}",
        outlook_work=f"https://outlook.office.com/calendar/0/addfromweb?{from_web}",
    )


def calendar_list_link(build: Build) -> str:
    """For the event list: how to subscribe to every event, on the channels page (/subscribe/)."""
    template = template_env(build.config.root / "theme" / "site").get_template("calendar_subscribe.html")
    return template.render(guide=relative_url(CALENDAR_GUIDE, "/events/"))
