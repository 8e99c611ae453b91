"""The event presenter's values, read straight off views of real event models."""

from __future__ import annotations

from site_builder.content.events import EventView, present_event
from site_builder.content.models import Event

PAGE = "https://www.yokohama-kyodo.example/events/koza/"


def view(**fields) -> EventView:
    data = {"title": "市民協働講座", "date": "2020-07-01", "summary": "まちづくりを学ぶ", **fields}
    return present_event(Event.model_validate(data))


def test_an_all_day_span_is_dates_only_and_a_scheduled_event_has_no_badge():
    event = view(start="2020-08-11", end="2020-08-13", venue="協働ラボ")
    assert event.when == "2020年8月11日(火)–2020年8月13日(木)"
    assert event.when_line == "日時：2020年8月11日(火)–2020年8月13日(木)"
    assert (event.status, event.status_label, event.badge, event.headline) == (
        "scheduled",
        "開催予定",
        "",
        "市民協働講座",
    )
    assert not event.changed and not event.flagged and event.status_notice == ""
    assert event.reminded and event.registration_open
    assert event.calendar_status == "CONFIRMED"
    assert event.schema_status == "https://schema.org/EventScheduled"
    assert event.attendance_mode == "https://schema.org/OfflineEventAttendanceMode"
    assert event.fact_lines == ["日時：2020年8月11日(火)–2020年8月13日(木)", "会場：協働ラボ"]


def test_an_online_only_event_with_its_url():
    event = view(start="2020-08-10T10:00", end="2020-08-10T12:00", online="https://example.org/live/koza")
    assert event.when == "2020年8月10日(月) 10:00–12:00"
    assert event.online and event.online_url == "https://example.org/live/koza"
    assert (event.venue, event.venue_with_address) == (None, "")
    assert event.place_brief == "オンライン"
    assert event.place_brief_labelled == "オンライン"
    assert event.place_full == "https://example.org/live/koza"
    assert event.fact_lines[1:] == ["オンライン：https://example.org/live/koza"]
    assert event.attendance_mode == "https://schema.org/OnlineEventAttendanceMode"
    assert event.schema_location(PAGE) == {"@type": "VirtualLocation", "url": "https://example.org/live/koza"}


def test_a_venue_with_address_and_online_without_a_public_url():
    event = view(
        start="2020-08-14T18:00", end="2020-08-15T09:00", venue="ホール", address="横浜市中区本町1-1", online=True
    )
    assert event.when == "2020年8月14日(金) 18:00–2020年8月15日(土) 09:00"
    assert event.online and event.online_url is None
    assert event.venue_with_address == "ホール（横浜市中区本町1-1）"
    assert event.place_brief == "ホール／オンライン"
    assert event.place_brief_labelled == "会場：ホール／オンライン"
    assert event.place_full == "ホール（横浜市中区本町1-1）／オンライン"
    assert event.fact_lines[1:] == [
        "会場：ホール（横浜市中区本町1-1）",
        "オンライン：URLはお申し込みの方にお知らせします",
    ]
    assert event.online_page_note == "オンライン会場のURLはお申し込みの方にお知らせします"
    assert event.attendance_mode == "https://schema.org/MixedEventAttendanceMode"
    assert event.schema_location(PAGE) == [
        {
            "@type": "Place",
            "name": "ホール",
            "address": {
                "@type": "PostalAddress",
                "addressCountry": "JP",
                "addressRegion": "神奈川県",
                "streetAddress": "横浜市中区本町1-1",
            },
        },
        {"@type": "VirtualLocation", "url": PAGE},
    ]


def test_a_cancelled_event_is_flagged_everywhere():
    event = view(start="2020-09-09T18:30", venue="協働ラボ", status="cancelled")
    assert (event.status_label, event.badge, event.title_prefix) == ("中止", "【中止】", "【中止】")
    assert event.headline == "【中止】市民協働講座"
    assert event.changed and event.flagged
    assert event.status_notice == "このイベントは中止となりました。"
    assert not event.reminded and not event.registration_open
    assert event.calendar_status == "CANCELLED"
    assert event.schema_status == "https://schema.org/EventCancelled"
    assert event.fact_lines == ["【中止】", "日時：2020年9月9日(水) 18:30", "会場：協働ラボ"]


def test_postponed_is_flagged_but_moved_online_only_carries_a_badge():
    postponed = view(start="2020-09-09", venue="協働ラボ", status="postponed")
    assert (postponed.headline, postponed.calendar_status, postponed.reminded) == (
        "【延期】市民協働講座",
        "TENTATIVE",
        False,
    )
    assert postponed.registration_open
    moved = view(start="2020-09-09", online=True, status="moved-online")
    assert (moved.badge, moved.title_prefix, moved.headline) == ("【オンライン開催に変更】", "", "市民協働講座")
    assert moved.changed and not moved.flagged and moved.reminded
    assert moved.status_notice == "このイベントはオンライン開催に変更しました。"
    assert (moved.calendar_status, moved.schema_status) == ("CONFIRMED", "https://schema.org/EventMovedOnline")
