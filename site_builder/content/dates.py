"""Times in the center's time zone, parsed strictly and printed the Japanese way."""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(value: object) -> dt.date | dt.datetime:
    """Parse ``2020-07-15``, ``2020-07-15T10:00`` or one with an offset.

    A date-only value stays a :class:`datetime.date`; a time without an offset is
    Asia/Tokyo. Raises ``ValueError`` with an editor-readable message.
    """
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=TOKYO)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2020-07-15 or 2020-07-15T10:00, got {value!r}")
    text = value.strip()
    if not (_DATE_ONLY.match(text) or _DATE_TIME.match(text)):
        raise ValueError(f"expected a date like 2020-07-15 or 2020-07-15T10:00, got {text!r}")
    try:
        if _DATE_ONLY.match(text):
            return dt.date.fromisoformat(text)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"impossible date {text!r} ({exc})") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)


def as_instant(value: dt.date | dt.datetime) -> dt.datetime:
    """The moment a value starts: a date means its midnight in Tokyo."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0, 0), tzinfo=TOKYO)


def day_after(value: dt.date) -> dt.datetime:
    return as_instant(value + dt.timedelta(days=1))


def resolve_now(option: str | None) -> dt.datetime:
    """The build time: ``--now``, else ``SITE_BUILDER_NOW``, else ``SOURCE_DATE_EPOCH``, else the clock."""
    text = option or os.environ.get("SITE_BUILDER_NOW")
    if text:
        return as_instant(parse_time(text))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=TOKYO)
    return dt.datetime.now(tz=TOKYO)


def format_date(value: dt.date | dt.datetime) -> str:
    """``2020年7月7日(火)``."""
    day = value.astimezone(TOKYO).date() if isinstance(value, dt.datetime) else value
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS[day.weekday()]})"


def format_span(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None) -> str:
    """``2020年7月7日(火) 18:30–20:30``; dates only for all-day events."""
    if not isinstance(start, dt.datetime):
        if end is None or end == start:
            return format_date(start)
        return f"{format_date(start)}–{format_date(end)}"
    start = start.astimezone(TOKYO)
    text = f"{format_date(start)} {start:%H:%M}"
    if end is None:
        return text
    end_local = as_instant(end).astimezone(TOKYO)
    if end_local.date() == start.date():
        return f"{text}–{end_local:%H:%M}"
    return f"{text}–{format_date(end_local)} {end_local:%H:%M}"


def iso(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(TOKYO).isoformat()
    return value.isoformat()
