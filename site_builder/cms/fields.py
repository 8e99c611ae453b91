"""The form's fields, walked from the content models' type annotations.

Each field of a model becomes one Decap CMS field: its widget from the field's
type (text, dates and times, yes/no, numbers, choices, lists, nested objects), its
``required`` flag from the model (a field with a default is optional), its choices
from the ``Literal`` types and the ward table, its label and hint from
``content/field_labels.py``. Nothing here names a field of a particular content
type except the three that are prose (``TEXT_AREAS``): a new model field appears in
the form without a change here, and a type this module does not know is an error
(:class:`UnknownFieldType`), not a silent text box.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from site_builder.content import labels, models
from site_builder.content.field_labels import FIELD_LABELS, FieldLabel
from site_builder.content.kinds import DATA_FOLDER
from site_builder.content.post_length import NAMES as NETWORK_NAMES
from site_builder.content.wards import AREA_NAMES

# The datetime widget writes the contract's form: no seconds, no offset (Asia/Tokyo), as typed.
DATE_TIME = {
    "widget": "datetime",
    "format": "YYYY-MM-DDTHH:mm",
    "date_format": "YYYY-MM-DD",
    "time_format": "HH:mm",
    "picker_utc": False,
}
DATE_ONLY = {
    "widget": "datetime",
    "format": "YYYY-MM-DD",
    "date_format": "YYYY-MM-DD",
    "time_format": False,
    "picker_utc": False,
}
URL_RULE = [models.URL_PATTERN.pattern, "https://（または http://）で始まる URL"]
SLUG_RULE = [models.SLUG_PATTERN.pattern, "半角の小文字 a–z、数字 0–9 と、その間に1つずつの「-」だけ"]
# Choices and their Japanese names, by the model's type of the value.
CHOICES: dict[object, dict] = {
    models.CaseStatus: labels.CASE_STATUS,
    models.EventStatus: labels.EVENT_STATUS,
    models.PartnerType: labels.PARTNER_TYPES,
    models.Network: NETWORK_NAMES,
    models.ChartType: labels.CHART_TYPES,
    models.CsvEncoding: labels.CSV_ENCODINGS,
    models.WardId: AREA_NAMES,
    models.SdgGoal: {number: f"目標{number} {name}" for number, name in labels.SDGS.items()},
}
# Fields whose type (text, a time) says less than what they hold.
CHOSEN: dict[str, dict] = {
    "Item.summary": {"widget": "text"},  # prose of several lines
    "Edition.summary": {"widget": "text"},
    "SnsPost.text": {"widget": "text"},
    # A file uploaded beside the entry (the collection's media folder), written relative to it.
    "Item.image": {"widget": "image", "choose_url": False},
    # A CSV uploaded into content/data/, written relative to content/ (data/….csv).
    "Dataset.file": {
        "widget": "file",
        "choose_url": False,
        "media_folder": "/" + DATA_FOLDER,
        "public_folder": DATA_FOLDER.split("/", 1)[1],
    },
    # Whole days: `to: 2027-01-04` includes that day, a time of 00:00 would not.
    "Edition.from": dict(DATE_ONLY),
    "Edition.to": dict(DATE_ONLY),
}


class UnknownFieldType(TypeError):
    """A model field whose type has no widget here: add one rather than guess."""


def form_fields(model: type[BaseModel]) -> list[dict]:
    """The Decap fields of ``model``, in the model's order."""
    hints = typing.get_type_hints(model, include_extras=True)
    return [form_field(model, name, info, hints[name]) for name, info in model.model_fields.items()]


def form_field(model: type[BaseModel], name: str, info: FieldInfo, hint: object) -> dict:
    written = info.alias or name
    key = f"{declaring_model(model, name).__name__}.{written}"
    text = FIELD_LABELS.get(key)
    if text is None:
        raise UnknownFieldType(f"{key}: no label in content/field_labels.py")
    field = {"name": written, "label": text.label, **widget(key, text, without_none(hint))}
    if text.hint:
        field["hint"] = text.hint
    field["required"] = info.is_required()
    if not info.is_required() and info.default not in (None, [], ()):
        field["default"] = info.default
    return field


def declaring_model(model: type[BaseModel], name: str) -> type:
    """The most basic class of ``model`` that declares field ``name`` (``Item`` for ``title``)."""
    owners = [cls for cls in model.__mro__ if name in vars(cls).get("__annotations__", {})]
    return owners[-1]


def without_none(hint: object) -> object:
    if is_union(hint):
        kept = [arg for arg in get_args(hint) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else Union[tuple(kept)]  # noqa: UP007 (built from a list)
    return hint


def is_union(hint: object) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


def parts(hint: object) -> tuple[object, list]:
    """``Annotated[base, *metadata]`` → ``(base, metadata)``, nested ``Annotated`` flattened
    and the constraints of a ``Field(...)`` inside it listed as they are."""
    metadata: list = []
    while get_origin(hint) is Annotated:
        hint, *more = get_args(hint)
        for item in more:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return hint, metadata


def constraint(metadata: list, kind: type, attribute: str) -> int | None:
    return next((getattr(item, attribute) for item in metadata if isinstance(item, kind)), None)


def widget(key: str, text: FieldLabel, hint: object) -> dict:
    """The widget and its options for a value of type ``hint`` (``None`` already left out)."""
    if key in CHOSEN:
        return {**CHOSEN[key], **length(parts(hint)[1])} if CHOSEN[key]["widget"] == "text" else dict(CHOSEN[key])
    if hint in (models.Instant, models.Time):
        return dict(DATE_TIME)
    if hint == models.DateOnly:
        return dict(DATE_ONLY)
    if hint == models.Url:
        return {"widget": "string", "pattern": URL_RULE}
    if hint == models.Slug:
        return {"widget": "string", "pattern": SLUG_RULE}
    base, metadata = parts(hint)
    if is_union(base):
        return union_widget(key, text, base)
    if get_origin(base) is Literal:
        return choice(hint, multiple=False)
    if get_origin(base) is list:
        return list_widget(key, text, get_args(base)[0], metadata)
    if base is bool:
        return {"widget": "boolean"}
    if base is int:
        return number(metadata)
    if base is str:
        return {"widget": "string", **length(metadata)}
    if base in (dt.datetime, dt.date):
        return dict(DATE_TIME if base is dt.datetime else DATE_ONLY)
    raise UnknownFieldType(f"{key}: no widget for {hint!r}")


def union_widget(key: str, text: FieldLabel, union: object) -> dict:
    """A value that may be written two ways: the form writes the general one.

    ``false`` or ``true`` beside a list or text (``sns: false``, ``online: true``): the
    list's widget, or a text box that also takes the word ``true``; one text or a list
    of texts (a chart's ``y``): the list."""
    literals = [arg for arg in get_args(union) if get_origin(arg) is Literal]
    others = [arg for arg in get_args(union) if get_origin(arg) is not Literal]
    if len(others) == 1 and all(isinstance(value, bool) for arg in literals for value in get_args(arg)):
        field = widget(key, text, others[0])
        words = [str(value).lower() for arg in literals for value in get_args(arg) if value is True]
        if field["widget"] == "string" and words and "pattern" in field:
            rule, meaning = field["pattern"]
            field["pattern"] = [f"^(?:{'|'.join(words)})$|{rule}", f"{meaning}、または {' '.join(words)}"]
        return field
    lists = [arg for arg in others if get_origin(parts(arg)[0]) is list]
    if len(lists) == 1 and not literals:
        return widget(key, text, lists[0])
    raise UnknownFieldType(f"{key}: no widget for {union!r}")


def choice(hint: object, multiple: bool) -> dict:
    """A select of the values ``hint`` allows, each with its Japanese name."""
    names = CHOICES.get(hint, {})
    base, metadata = parts(hint)
    if get_origin(base) is Literal:
        values = list(get_args(base))
    elif base is int:
        values = list(
            range(constraint(metadata, annotated_types.Ge, "ge"), constraint(metadata, annotated_types.Le, "le") + 1)
        )
    else:
        values = list(names)
    field = {
        "widget": "select",
        "options": [{"label": str(names.get(value, value)), "value": value} for value in values],
    }
    if multiple:
        field["multiple"] = True
    return field


def list_widget(key: str, text: FieldLabel, item: object, metadata: list) -> dict:
    """A list: of choices, of nested objects (partners, datasets, posts…) or of texts (tags)."""
    least = constraint(metadata, annotated_types.MinLen, "min_length")
    item_base = parts(item)[0]
    if item in CHOICES or get_origin(item_base) is Literal:
        field = choice(item, multiple=True)
    elif isinstance(item_base, type) and issubclass(item_base, BaseModel):
        fields = form_fields(item_base)
        shown = next((f["name"] for f in fields if f["name"] in ("title", "name")), fields[0]["name"])
        field = {"widget": "list", "label_singular": text.label, "summary": f"{{{{fields.{shown}}}}}", "fields": fields}
    else:
        one = {"name": key.rsplit(".", 1)[1], "label": text.label, **widget(key, text, item)}
        field = {"widget": "list", "field": one}
    if least:
        field["min"] = least
    return field


def number(metadata: list) -> dict:
    field: dict = {"widget": "number", "value_type": "int", "step": 1}
    above = constraint(metadata, annotated_types.Gt, "gt")
    least = constraint(metadata, annotated_types.Ge, "ge")
    if above is not None or least is not None:
        field["min"] = above + 1 if above is not None else least
    return field


def length(metadata: list) -> dict:
    """A text's longest length as a pattern (the form has no other way to say it)."""
    longest = constraint(metadata, annotated_types.MaxLen, "max_length")
    return {"pattern": [f"^[\\s\\S]{{1,{longest}}}$", f"{longest}文字以内"]} if longest else {}
