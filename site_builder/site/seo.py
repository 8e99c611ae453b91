"""Head metadata for every page: OGP, Twitter card, canonical, JSON-LD."""

from __future__ import annotations

import json

from site_builder.content import dates
from site_builder.content.settings import Config
from site_builder.content.readers import Entry
from site_builder.content.labels import EVENT_STATUS

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def jsonld(data: dict) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>``, no HTML entities."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)


def event_jsonld(entry: Entry, config: Config) -> dict:
    """schema.org Event with Google's required and recommended properties."""
    event = entry.meta
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": dates.iso(event.start),
        "eventStatus": "https://schema.org/" + {
            "scheduled": "EventScheduled", "cancelled": "EventCancelled",
            "postponed": "EventPostponed", "moved-online": "EventMovedOnline",
        }[event.status],
        "url": config.absolute(entry.url),
        "image": [config.absolute(entry.image_path) if entry.image_path else config.absolute(config.get("site_image", ""))],
        "organizer": {"@type": "Organization", "name": config.site_name, "url": config.site_url},
    }
    if event.end is not None:
        data["endDate"] = dates.iso(event.end)
    locations = []
    if event.venue:
        place = {"@type": "Place", "name": event.venue, "address": {"@type": "PostalAddress", "addressCountry": "JP", "addressRegion": "神奈川県"}}
        if event.address:
            place["address"]["streetAddress"] = event.address
        locations.append(place)
    if event.online:
        url = event.online if isinstance(event.online, str) else config.absolute(entry.url)
        locations.append({"@type": "VirtualLocation", "url": url})
    data["location"] = locations[0] if len(locations) == 1 else locations
    mode = "Mixed" if len(locations) == 2 else ("Online" if event.online else "Offline")
    data["eventAttendanceMode"] = f"https://schema.org/{mode}EventAttendanceMode"
    if event.fee or event.registration:
        offer = {"@type": "Offer", "priceCurrency": "JPY", "availability": "https://schema.org/InStock",
                 "validFrom": dates.iso(event.date), "url": event.registration or config.absolute(entry.url)}
        if event.fee and "無料" in event.fee:
            offer["price"] = 0
        data["offers"] = offer
    if event.status != "scheduled":
        data["description"] = f"【{EVENT_STATUS[event.status]}】{event.summary}"
    return data


def article_jsonld(entry: Entry, config: Config) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": entry.meta.title,
        "description": entry.meta.summary,
        "datePublished": dates.iso(entry.meta.date),
        "url": config.absolute(entry.url),
        "image": [config.absolute(entry.image_path) if entry.image_path else config.absolute(config.get("site_image", ""))],
        "publisher": {"@type": "Organization", "name": config.site_name, "url": config.site_url},
    }
