"""Newsletter editions (メルマガ): what one edition lists. No I/O here.

An edition is built from the same content as the site:

* the editor's introduction ``content/newsletter/<id>.md`` (optional; its front
  matter is :class:`site_builder.models.Edition`: ``date`` is the send time);
* the cases and news published in the edition's *period* and public at its send
  time: never a draft, never anything dated after the send time;
* the events that have not ended by the send time and start within
  ``newsletter_upcoming_weeks`` (default 6) weeks of it;
* a fixed footer (``theme/email/``).

The send time is the edition's ``date``, or the build time (``--now``) for an
edition without a file. The period is ``from``/``to`` (front matter, or ``--from``
/``--to`` on the command line, which win); without ``from`` it starts just after the
previous edition's send time, or 14 days before the send time when there is none;
without ``to`` it ends at the send time. A date-only ``to`` includes that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from site_builder.content import dates
from site_builder.content.models import Edition
from site_builder.content.readers import Entry
from site_builder.content.select import Published

DEFAULT_PERIOD_DAYS = 14
DEFAULT_UPCOMING_WEEKS = 6


@dataclass(frozen=True)
class Period:
    """Publish times an edition covers; ``start_open``/``end_open`` exclude the bound."""

    start: dt.datetime
    end: dt.datetime | None = None
    start_open: bool = False
    end_open: bool = False

    def contains(self, moment: dt.datetime) -> bool:
        if moment < self.start or (self.start_open and moment == self.start):
            return False
        if self.end is None:
            return True
        return moment < self.end or (not self.end_open and moment == self.end)

    def label(self, send_at: dt.datetime) -> str:
        """``2020年6月17日(水)〜2020年7月1日(水)`` (the last day covered)."""
        last = send_at if self.end is None else min(send_at, self.end)
        if self.end is not None and self.end_open and last == self.end:
            last = last - dt.timedelta(microseconds=1)
        return f"{dates.format_date(self.start)}〜{dates.format_date(last)}"


@dataclass
class EditionContent:
    """One edition's items, selected at its send time; rendered by ``newsletter_mail``."""

    id: str
    title: str
    subject: str
    summary: str
    send_at: dt.datetime
    period: Period
    cases: list[Entry]
    news: list[Entry]
    events: list[Entry]
    entry: Entry | None = None  # the editor's introduction, when the file exists

    @property
    def web_url(self) -> str | None:
        """Site path of the web copy; only editions with a file have one."""
        return self.entry.url if self.entry is not None else None


def previous_send_time(editions: list[Entry], edition_id: str, send_at: dt.datetime) -> dt.datetime | None:
    """The latest send time of another non-draft edition before ``send_at``."""
    earlier = [e.meta.date for e in editions if e.slug != edition_id and not e.meta.draft and e.meta.date < send_at]
    return max(earlier, default=None)


def edition_period(
    send_at: dt.datetime,
    previous: dt.datetime | None,
    start: dt.date | dt.datetime | None = None,
    end: dt.date | dt.datetime | None = None,
) -> Period:
    """The period from explicit bounds, else the defaults described in the module."""
    if end is None:
        end_at, end_open = None, False
    elif isinstance(end, dt.datetime):
        end_at, end_open = end, False
    else:
        end_at, end_open = dates.day_after(end), True
    if start is not None:
        return Period(dates.as_instant(start), end_at, False, end_open)
    if previous is not None:
        return Period(previous, end_at, True, end_open)
    return Period(send_at - dt.timedelta(days=DEFAULT_PERIOD_DAYS), end_at, False, end_open)


def default_title(send_at: dt.datetime) -> str:
    day = send_at.astimezone(dates.TOKYO)
    return f"メールマガジン {day.year}年{day.month}月{day.day}日号"


def select_edition(
    published: Published,
    edition_id: str,
    send_at: dt.datetime,
    period: Period,
    *,
    entry: Entry | None = None,
    site_name: str = "",
    upcoming_weeks: int = DEFAULT_UPCOMING_WEEKS,
) -> EditionContent:
    """The edition's items. ``published`` may be selected at any time from the send
    time on: everything is checked again against the send time."""

    def listed(entries: list[Entry]) -> list[Entry]:
        return [e for e in entries if e.is_public(send_at) and period.contains(e.meta.date)]

    horizon = send_at + dt.timedelta(weeks=upcoming_weeks)
    events = [
        e
        for e in published.events
        if e.is_public(send_at) and e.meta.ends_at > send_at and dates.as_instant(e.meta.start) < horizon
    ]
    events.sort(key=lambda e: (dates.as_instant(e.meta.start), e.slug))
    meta: Edition | None = entry.meta if entry is not None else None
    title = (meta.title if meta else None) or default_title(send_at)
    summary = (meta.summary if meta else None) or (
        f"{period.label(send_at)}の新着の協働事例とお知らせ、これからのイベントをお届けします。"
    )
    subject = (meta.subject if meta else None) or (f"【{site_name}】{title}" if site_name else title)
    return EditionContent(
        id=edition_id,
        title=title,
        subject=subject,
        summary=summary,
        send_at=send_at,
        period=period,
        cases=listed(published.cases),
        news=listed(published.news),
        events=events,
        entry=entry,
    )


def find_edition(editions: list[Entry], edition_id: str) -> Entry | None:
    return next((e for e in editions if e.slug == edition_id), None)


def site_editions(
    published: Published, upcoming_weeks: int = DEFAULT_UPCOMING_WEEKS, site_name: str = ""
) -> list[EditionContent]:
    """Every edition whose send time has passed at ``published.now``, newest first,
    each selected exactly as its mail was (same period, same send time)."""
    found = []
    for entry in published.editions:
        meta: Edition = entry.meta
        previous = previous_send_time(published.editions, entry.slug, meta.date)
        period = edition_period(meta.date, previous, meta.period_from, meta.period_to)
        found.append(
            select_edition(
                published,
                entry.slug,
                meta.date,
                period,
                entry=entry,
                site_name=site_name,
                upcoming_weeks=upcoming_weeks,
            )
        )
    return found
