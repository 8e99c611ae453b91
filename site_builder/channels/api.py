"""The JSON content API: what the site publishes, for other programs (the center's
community app, ward centers, open-data portals).

    /api/cases.json  /api/events.json  /api/news.json  /api/issues.json
    /api/schema/cases.json … /api/schema/issues.json   (JSON Schema 2020-12)

A record is the content model's public fields (everything editors write except
``draft`` and ``sns``, which only steer the build) plus ``url`` and ``slug``, the
image as an absolute URL and ``body_html`` (absolute links, sanitized: see
:mod:`item_html`). The record models are made from the content models' own field
definitions, so the schemas are generated from the same models that validate the
content and cannot drift from them. Times are ISO 8601 in Asia/Tokyo; a date-only
value (all-day event, ``started``) stays a date. Items are newest publish time first.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from site_builder.channels.portable import item_json, json_with_items, portable_body
from site_builder.content import dates
from site_builder.content.models import SLUG_PATTERN, Case, Event, IssuePage, Item, News
from site_builder.content.readers import Entry

if TYPE_CHECKING:
    from site_builder.context import Build

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PRIVATE_FIELDS = {"draft", "sns", "slug", "image"}  # slug and image are restated below


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


def record_model(name: str, model: type[Item], **extra) -> type[BaseModel]:
    """``model``'s public fields, after the fields every record has."""
    fields = {key: (info.annotation, info) for key, info in model.model_fields.items() if key not in PRIVATE_FIELDS}
    return create_model(
        name,
        __base__=Record,
        __doc__=f"One published {model.__name__.lower()} as on its page.",
        url=(str, Field(description="absolute URL of the item's page", json_schema_extra={"format": "uri"})),
        slug=(str, Field(description="URL segment, unique within the type", pattern=SLUG_PATTERN.pattern)),
        image=(
            str | None,
            Field(None, description="absolute URL of the item's image", json_schema_extra={"format": "uri"}),
        ),
        **fields,
        body_html=(str, Field(description="the body as HTML: absolute links, no scripts")),
        **extra,
    )


EVENT_EXTRA = {
    "all_day": (bool, Field(description="start (and end) are dates, not times")),
    "ends_at": (dt.datetime, Field(description="the moment the event becomes a past event")),
}
RECORDS = {
    "cases": ("case", record_model("CaseRecord", Case)),
    "events": ("event", record_model("EventRecord", Event, **EVENT_EXTRA)),
    "news": ("news", record_model("NewsRecord", News)),
    "issues": ("issue", record_model("IssueRecord", IssuePage)),
}


def listing_model(name: str, record: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        f"{name.capitalize()}Listing",
        __base__=Record,
        __doc__=f"Every published item of /api/{name}.json, newest first.",
        type=(Literal[name], ...),
        count=(int, Field(ge=0)),
        items=(list[record], ...),
    )


LISTINGS = {name: listing_model(name, record) for name, (_, record) in RECORDS.items()}


def listing_path(name: str) -> str:
    return f"/api/{name}.json"


def schema_path(name: str) -> str:
    return f"/api/schema/{name}.json"


def api_paths(build: Build) -> list[str]:
    """The site paths :func:`render_api` writes (for the link check, without rendering)."""
    return [path for name in RECORDS for path in (listing_path(name), schema_path(name))]


def render_api(build: Build) -> dict[str, str | bytes]:
    outputs: dict[str, str | bytes] = {}
    for name, (kind, record) in RECORDS.items():
        entries = [entry for entry in build.published.items() if entry.kind == kind]
        # Kept by the entry's resolved body: a new one when the entry or an address it links to changed.
        items = [
            build.memo.result(
                "api", build.bodies.get(entry.url), lambda e=entry, r=record: api_item(build, e, r), entry.url
            )
            for entry in entries
        ]
        listing = LISTINGS[name](type=name, count=len(items), items=[])
        outputs[listing_path(name)] = json_with_items(listing.model_dump(mode="json"), "items", items)
        outputs[schema_path(name)] = dump(json_schema(build, name))
    return outputs


def api_item(build: Build, entry: Entry, record: type[BaseModel]) -> str:
    """One item of a listing, as JSON text in its place (validated against the record's model)."""
    return item_json(build_record(build, entry, record).model_dump(mode="json"))


def build_record(build: Build, entry: Entry, record: type[BaseModel]) -> BaseModel:
    meta = entry.meta
    data = in_tokyo(meta.model_dump(exclude=PRIVATE_FIELDS))
    data.update(
        url=build.config.absolute(entry.url),
        slug=entry.slug,
        body_html=portable_body(build, entry),
        image=build.config.absolute(entry.image_path) if entry.image_path else None,
    )
    if entry.kind == "event":
        data.update(all_day=meta.all_day, ends_at=meta.ends_at.astimezone(dates.TOKYO))
    return record.model_validate(data)


def in_tokyo(value):
    """Every time in the center's zone, however the editor wrote the offset."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dates.TOKYO)
    if isinstance(value, dict):
        return {key: in_tokyo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [in_tokyo(item) for item in value]
    return value


def json_schema(build: Build, name: str) -> dict:
    schema = LISTINGS[name].model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": build.config.absolute(schema_path(name)), **schema}


def dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
