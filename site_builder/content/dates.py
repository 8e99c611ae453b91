"""Times in the center's time zone, parsed strictly and printed the Japanese way.

Strict about the form, forgiving about the keyboard: ``２０２１－０３－０１　１０：００``
typed with a Japanese input method is read as ``2021-03-01 10:00`` (:func:`half_width`),
and a date in another form (``2021/3/1``) is refused with the form to write instead."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from zoneinfo import ZoneInfo

from site_builder.content.i18n import Bilingual, bi

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", re.ASCII)
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.ASCII)
# Another way of writing a date that means one thing only: 2021/3/1, 2021.03.01, 2021年3月1日 10時00分.
_LOOSE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T\s]\s*(\d{1,2})\s*[:時]\s*(\d{2})\s*分?)?",
    re.ASCII,
)
# What Japanese keyboards type for '-' that NFKC leaves alone: hyphens, dashes, the minus sign, the long-vowel mark.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc", "-"))


class DateError(ValueError):
    """A time that cannot be read. Its message is a :func:`~site_builder.content.i18n.bi`
    message and ``str()`` gives that message itself, so the Japanese survives pydantic."""

    def __str__(self) -> str:
        return self.args[0]


def half_width(text: str) -> str:
    """``text`` with full-width digits, letters, colons and spaces as half-width (NFKC)
    and the dashes of a Japanese keyboard as '-': ``２０２１－０３－０１`` → ``2021-03-01``."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip()


def parse_time(value: object) -> dt.date | dt.datetime:
    """Parse ``2020-07-15``, ``2020-07-15T10:00`` or one with an offset, typed in
    half-width or full-width characters.

    A date-only value stays a :class:`datetime.date`; a time without an offset is
    Asia/Tokyo. Raises :class:`DateError` with an editor-readable message.
    """
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=TOKYO)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise DateError(_unreadable(repr(value), None))
    written, text = value.strip(), half_width(value)
    if _DATE_ONLY.fullmatch(text) or _DATE_TIME.fullmatch(text):
        return _parse_iso(text, written)
    suggestion = _suggestion(text)
    if suggestion:
        _parse_iso(suggestion, written)  # a date that does not exist is told so, whatever its form
    raise DateError(_unreadable(repr(written), suggestion))


def _parse_iso(text: str, written: str) -> dt.date | dt.datetime:
    try:
        if _DATE_ONLY.fullmatch(text):
            return dt.date.fromisoformat(text)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DateError(_impossible(repr(written), text)) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)


def _suggestion(text: str) -> str | None:
    """``2021/3/1 9:00`` → ``2021-03-01T09:00``: the form to write, when ``text`` means one date."""
    match = _LOOSE.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute = match.groups()
    date = f"{year}-{int(month):02d}-{int(day):02d}"
    return date if hour is None else f"{date}T{int(hour):02d}:{minute}"


def _unreadable(got: str, suggestion: str | None) -> Bilingual:
    english = f"expected a date like 2020-07-15 or 2020-07-15T10:00, got {got}"
    if suggestion:
        return bi(
            f"{english}; write it as {suggestion}",
            f"{got} は日付として読めません。{suggestion} と書いてください（年-月-日 を「-」でつなぎます）",
        )
    return bi(
        english,
        f"{got} は日付として読めません。2020-07-15、時刻もあるときは 2020-07-15T10:00 のように書いてください",
    )


def _impossible(got: str, text: str) -> Bilingual:
    """Which part of a well-formed ``text`` does not exist: the day, the time of day or the offset."""
    day = text[:10]
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return bi(
            f"{got} is not a real date; write a date that exists, like 2021-03-01 (year-month-day)",
            f"{got} は存在しない日付です。2021-03-01 のように 年-月-日 で書いてください",
        )
    offset = _OFFSET.search(text)
    try:
        dt.datetime.fromisoformat(text[: offset.start()] if offset else text)
    except ValueError:
        return bi(
            f"{got} is not a real time of day; hours go from 00 to 23 and minutes from 00 to 59, like {day}T18:30",
            f"{got} は存在しない時刻です。時は 00〜23、分は 00〜59 で、{day}T18:30 のように書いてください",
        )
    return bi(
        f"{got} has an impossible time offset; leave it out (Japan time is meant) or write +09:00",
        f"{got} の時差（+09:00 の部分）が正しくありません。書かなければ日本時間になります",
    )


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


def local_year(value: dt.date | dt.datetime) -> int:
    """The year of ``value`` in Yokohama (a time late on 31 December UTC is already next year's)."""
    return (value.astimezone(TOKYO) if isinstance(value, dt.datetime) else value).year


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
