"""How an event's time, place and status read, in every channel: one :class:`EventView` per event.

Site pages, feeds, calendars, the newsletter, SNS posts and schema.org data all take
their event wording from here, so 【中止】, 会場：… and オンライン are written once.
The channels do not all say the same thing today (a feed gives the address, a
newsletter card does not; a calendar names the online URL, a card just says
オンライン): each variant is its own property, named for what it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from site_builder.content import dates
from site_builder.content.labels import EVENT_STATUS
from site_builder.content.models import Event

ONLINE = "オンライン"
ONLINE_URL_LATER = "URLはお申し込みの方にお知らせします"  # online: true, the URL goes to whoever registers
FLAGGED_STATUSES = ("cancelled", "postponed")  # not happening as announced: flagged in titles and calendars
REMINDED_STATUSES = ("scheduled", "moved-online")  # still happening: SNS reminders go out
CALENDAR_STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}  # iCalendar STATUS; otherwise CONFIRMED
SCHEMA_STATUS = {
    "scheduled": "EventScheduled",
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
    "moved-online": "EventMovedOnline",
}
SCHEMA = "https://schema.org/"
SCHEMA_REGION = "神奈川県"  # the centre's events are in Yokohama


@dataclass(frozen=True)
class EventView:
    """One event as the channels word it: when, where, and its status."""

    title: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None
    venue: str | None
    address: str | None
    online: bool
    online_url: str | None  # None when online is only ``true`` (or the event is not online)
    status: str  # scheduled / cancelled / postponed / moved-online
    status_label: str  # 開催予定 / 中止 / 延期 / オンライン開催に変更

    # --- when ------------------------------------------------------------------

    @property
    def when(self) -> str:
        """``2020年7月7日(火) 18:30–20:30``; dates only for an all-day event."""
        return dates.format_span(self.start, self.end)

    @property
    def when_line(self) -> str:
        """``日時：…`` (feed items, SNS posts)."""
        return f"日時：{self.when}"

    # --- status ----------------------------------------------------------------

    @property
    def changed(self) -> bool:
        """Anything but scheduled: the status is worth showing."""
        return self.status != "scheduled"

    @property
    def badge(self) -> str:
        """``【中止】``, ``【オンライン開催に変更】``…; empty when scheduled."""
        return f"【{self.status_label}】" if self.changed else ""

    @property
    def flagged(self) -> bool:
        """Cancelled or postponed: the title says so, and no "add to calendar" is offered."""
        return self.status in FLAGGED_STATUSES

    @property
    def title_prefix(self) -> str:
        """``【中止】``/``【延期】`` for a flagged event, else empty (many calendars hide STATUS)."""
        return self.badge if self.flagged else ""

    @property
    def headline(self) -> str:
        """The title with :attr:`title_prefix` in front (event page heading, calendar summary)."""
        return self.title_prefix + self.title

    @property
    def status_notice(self) -> str:
        """The sentence of the event page's banner; empty when scheduled."""
        if self.flagged:
            return f"このイベントは{self.status_label}となりました。"
        if self.status == "moved-online":
            return "このイベントはオンライン開催に変更しました。"
        return ""

    @property
    def reminded(self) -> bool:
        """Whether SNS reminders go out before it starts."""
        return self.status in REMINDED_STATUSES

    @property
    def registration_open(self) -> bool:
        """Whether a registration link is still offered (not once cancelled)."""
        return self.status != "cancelled"

    @property
    def calendar_status(self) -> str:
        """iCalendar STATUS: CANCELLED, TENTATIVE (postponed) or CONFIRMED."""
        return CALENDAR_STATUS.get(self.status, "CONFIRMED")

    @property
    def schema_status(self) -> str:
        """schema.org ``eventStatus``."""
        return SCHEMA + SCHEMA_STATUS[self.status]

    # --- where -----------------------------------------------------------------

    @property
    def venue_with_address(self) -> str:
        """``venue（address）``, or the venue alone; empty without a venue."""
        if not self.venue:
            return ""
        return self.venue + (f"（{self.address}）" if self.address else "")

    @property
    def online_text(self) -> str:
        """The online URL, or the note that registrants get it (feeds)."""
        return self.online_url or ONLINE_URL_LATER

    @property
    def online_page_note(self) -> str:
        """What the event page says instead of a URL it does not have."""
        return f"{ONLINE}会場の{ONLINE_URL_LATER}"

    @property
    def place_brief(self) -> str:
        """``venue／オンライン``: no address, no URL (newsletter cards)."""
        return "／".join(filter(None, [self.venue, ONLINE if self.online else None]))

    @property
    def place_brief_labelled(self) -> str:
        """``会場：venue／オンライン`` (event cards on the site)."""
        return "／".join(filter(None, [f"会場：{self.venue}" if self.venue else None, ONLINE if self.online else None]))

    @property
    def place_full(self) -> str:
        """``venue（address）／URL``, オンライン when the URL is not public (calendar LOCATION)."""
        online = (self.online_url or ONLINE) if self.online else None
        return "／".join(filter(None, [self.venue_with_address, online]))

    @property
    def fact_lines(self) -> list[str]:
        """The badge (if any), when and where, one line each, as feed items start."""
        lines = [self.badge] if self.changed else []
        lines.append(self.when_line)
        if self.venue:
            lines.append(f"会場：{self.venue_with_address}")
        if self.online:
            lines.append(f"{ONLINE}：{self.online_text}")
        return lines

    @property
    def attendance_mode(self) -> str:
        """schema.org ``eventAttendanceMode``: Offline, Online or Mixed."""
        mode = "Mixed" if self.venue and self.online else ("Online" if self.online else "Offline")
        return f"{SCHEMA}{mode}EventAttendanceMode"

    def schema_location(self, page_url: str) -> dict | list[dict]:
        """schema.org ``location``: a Place, a VirtualLocation (the page when the URL is not public), or both."""
        locations: list[dict] = []
        if self.venue:
            address = {"@type": "PostalAddress", "addressCountry": "JP", "addressRegion": SCHEMA_REGION}
            if self.address:
                address["streetAddress"] = self.address
            locations.append({"@type": "Place", "name": self.venue, "address": address})
        if self.online:
            locations.append({"@type": "VirtualLocation", "url": self.online_url or page_url})
        return locations[0] if len(locations) == 1 else locations


def present_event(event: Event) -> EventView:
    """The view of one event model (``entry.meta`` of an event entry)."""
    online_url = event.online if isinstance(event.online, str) else None
    return EventView(
        title=event.title,
        start=event.start,
        end=event.end,
        venue=event.venue,
        address=event.address,
        online=bool(event.online),
        online_url=online_url,
        status=event.status,
        status_label=EVENT_STATUS[event.status],
    )
