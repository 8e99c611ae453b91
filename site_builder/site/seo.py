"""Head metadata for every page: OGP, Twitter card, canonical, JSON-LD."""

from __future__ import annotations

import json

from site_builder.content import dates
from site_builder.content.events import present_event
from site_builder.content.readers import Entry
from site_builder.content.settings import Config

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def jsonld(data: dict) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>``, no HTML entities."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)


def event_jsonld(entry: Entry, config: Config) -> dict:
    """schema.org Event with Google's required and recommended properties."""
    event, view = entry.meta, present_event(entry.meta)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": dates.iso(event.start),
        "eventStatus": view.schema_status,
        "url": config.absolute(entry.url),
        "image": [
            config.absolute(entry.image_path) if entry.image_path else config.absolute(config.settings.site.image)
        ],
        "organizer": {"@type": "Organization", "name": config.site_name, "url": config.site_url},
    }
    if event.end is not None:
        data["endDate"] = dates.iso(event.end)
    data["location"] = view.schema_location(config.absolute(entry.url))
    data["eventAttendanceMode"] = view.attendance_mode
    if event.fee or event.registration:
        offer = {
            "@type": "Offer",
            "priceCurrency": "JPY",
            "availability": "https://schema.org/InStock",
            "validFrom": dates.iso(event.date),
            "url": event.registration or config.absolute(entry.url),
        }
        if event.fee and "無料" in event.fee:
            offer["price"] = 0
        data["offers"] = offer
    if view.changed:
        data["description"] = view.badge + event.summary
    return data


def article_jsonld(entry: Entry, config: Config) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": entry.meta.title,
        "description": entry.meta.summary,
        "datePublished": dates.iso(entry.meta.date),
        "url": config.absolute(entry.url),
        "image": [
            config.absolute(entry.image_path) if entry.image_path else config.absolute(config.settings.site.image)
        ],
        "publisher": {"@type": "Organization", "name": config.site_name, "url": config.site_url},
    }
