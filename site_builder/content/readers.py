"""Readers: content files in, validated entries or located errors out."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from site_builder.content.frontmatter import (
    DEFAULT_LIMITS,
    ContentFileError,
    Limits,
    Loc,
    SourceFile,
    format_loc,
    read_source,
)
from site_builder.content.kinds import EDITION, KINDS, PAGE, RESERVED_URLS, Kind
from site_builder.content.links import resolve_image
from site_builder.content.models import SLUG_PATTERN, Edition, Item
from site_builder.content.reporter import Reporter
from site_builder.content.yaml_errors import explain


@dataclass
class Entry:
    """One content file, validated: its model, body and public URL."""

    kind: str
    meta: Item | Edition
    path: Path
    source: SourceFile  # as read: body, and where each front-matter value sits
    slug: str
    url: str
    image_path: str | None = None  # site path of the front-matter image (content.links)
    image_file: Path | None = None  # the file published there, when it resolved

    @property
    def body(self) -> str:
        return self.source.body

    @property
    def body_line(self) -> int:
        return self.source.body_line

    def is_public(self, now) -> bool:
        return not self.meta.draft and self.meta.date <= now


@dataclass
class Content:
    """Everything the editors wrote, valid or not yet checked for cross-file rules."""

    root: Path
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Entry]:
        return self.entries.get(kind, [])

    @property
    def editions(self) -> list[Entry]:
        return self.of(EDITION.name)

    def all(self) -> Iterable[Entry]:
        """Every entry but the newsletter editions, by kind name."""
        for kind in sorted(self.entries):
            if kind != EDITION.name:
                yield from self.entries[kind]


def read_content(root: Path, reporter: Reporter, limits: Limits = DEFAULT_LIMITS) -> Content:
    """Read and validate every content file under ``root``, each within ``limits``;
    errors go to ``reporter``. The pipeline runs its registered checks across files afterwards."""
    content = Content(root)
    for kind in KINDS:
        content.entries[kind.name] = _read_kind(root, kind, kind.paths(root), reporter, limits)
    validate_files(content, reporter)
    return content


def _read_kind(root: Path, kind: Kind, paths: list[Path], reporter: Reporter, limits: Limits) -> list[Entry]:
    entries = []
    seen: dict[str, Path] = {}
    for path in paths:
        entry = read_entry(root, kind, path, reporter, limits)
        if entry is None:
            continue
        if entry.url in seen:
            line = entry.source.line_of(("slug",))
            other = reporter.display(seen[entry.url])
            reporter.error(
                path, line, "slug", f"duplicate slug {entry.slug!r}: {other} has the URL {entry.url} already"
            )
            continue
        seen[entry.url] = path
        entries.append(entry)
    return entries


def read_entry(root: Path, kind: Kind, path: Path, reporter: Reporter, limits: Limits = DEFAULT_LIMITS) -> Entry | None:
    try:
        source = read_source(path, limits=limits)
    except ContentFileError as exc:
        for line, name, message in exc.problems:
            reporter.error(path, line, name, message)
        return None
    try:
        meta = kind.model.model_validate(source.data)
    except ValidationError as exc:
        problems = field_errors(exc, kind.model)
        problems += [((name,), message) for name, message in kind.model.presence_problems(source.data)]
        located = [(line_near(source, loc), loc, message) for loc, message in problems]
        for line, loc, message in explain(source.slips(), located, source.lines):  # `title:横浜` read as text
            reporter.error(path, line, format_loc(loc), message)
        return None
    slug = meta.slug or path.stem
    url = page_url(root, path, meta.slug) if kind is PAGE else f"{kind.url_prefix}{slug}/"
    segments = url.strip("/").split("/") if kind is PAGE else [slug]
    unsafe = [part for part in segments if part and not SLUG_PATTERN.match(part)]
    if unsafe:  # a `slug:` field was checked by the model, so this comes from the file name
        reporter.error(
            path,
            1,
            "slug",
            f"unsafe slug {unsafe[0]!r} (from the file name): use only a-z, 0-9 and "
            "single '-' between them; rename the file or set slug",
        )
        return None
    if kind is PAGE and url in RESERVED_URLS:
        reporter.error(path, source.line_of(("slug",)), "slug", f"the page URL {url} is reserved for generated pages")
        return None
    image_path, image_file = (
        resolve_image(root, path, url, meta.image) if getattr(meta, "image", None) else (None, None)
    )
    return Entry(kind.name, meta, path, source, slug, url, image_path, image_file)


# A rule between two fields is shown on the line of the field that is present.
_ANCHORS: dict[str, str] = {"image_alt": "image"}


def line_near(source: SourceFile, loc: Loc) -> int:
    """The line of ``loc``; for a missing field, the line of the field it goes with."""
    if loc not in source.lines and len(loc) == 1 and loc[0] in _ANCHORS:
        return source.line_of((_ANCHORS[loc[0]],))
    return source.line_of(loc)


def page_url(root: Path, path: Path, slug: str | None) -> str:
    parts = list(path.relative_to(root / "content").with_suffix("").parts)
    if slug:
        parts[-1] = slug
    if parts[-1] == "index":
        parts = parts[:-1]
    return "/" + "".join(f"{part}/" for part in parts)


def validate_files(content: Content, reporter: Reporter) -> None:
    """Cross-checks that need the disk: front-matter images exist."""
    for entry in content.all():
        if entry.meta.image and not (entry.path.parent / entry.meta.image).is_file():
            line = entry.source.line_of(("image",))
            reporter.error(entry.path, line, "image", f"file not found: {entry.meta.image}")


_TAG_WORDS = {"str", "int", "bool", "float", "date", "datetime", "none", "list", "dict", "url"}
_UNION_MESSAGES = {
    "sns": "must be false or a list of posts ({network, at?, text?})",
    "online": "must be true or an http(s) URL",
    "y": "must be a column name or a list of column names",
}


def _is_tag(part: object, previous: object) -> bool:
    """A union member's name in an error location (``literal[False]``, ``str``).

    It always follows a field name; a field name itself comes first or after a
    list index, so a field called ``date`` or ``url`` is never taken for a tag."""
    return isinstance(part, str) and isinstance(previous, str) and ("[" in part or part in _TAG_WORDS)


def field_errors(
    exc: ValidationError, model: type[BaseModel], *, noun: str = "field", names: Iterable[str] | None = None
) -> list[tuple[Loc, str]]:
    """Turn pydantic's errors into ``(location, message)`` pairs editors can read.

    ``noun`` names an unknown key ("unknown field"); ``names`` are the keys suggested
    for a misspelt one (default: the model's fields)."""
    grouped: dict[Loc, list[dict]] = {}
    for error in exc.errors():
        raw = error["loc"]
        loc = tuple(part for i, part in enumerate(raw) if not (i and _is_tag(part, raw[i - 1])))
        message = error["msg"]
        if error["type"] == "value_error":
            message = str(error["ctx"]["error"]) if "ctx" in error else message
            if "|" in message:
                sub, message = message.split("|", 1)
                loc = loc + tuple(int(p) if p.isdigit() else p for p in sub.split("."))
        error = {**error, "msg": message}
        grouped.setdefault(loc, []).append(error)
    result = []
    for loc, errors in grouped.items():
        if all(e["type"] == "literal_error" for e in errors) and any(
            o[: len(loc)] == loc and len(o) > len(loc) for o in grouped
        ):
            continue  # `sns: false | [posts]`: the list branch's deeper error says what is wrong
        chosen = [e for e in errors if e["type"] == "value_error"] or errors
        if len(chosen) > 1 and loc and loc[-1] in _UNION_MESSAGES:
            result.append((loc, _UNION_MESSAGES[loc[-1]]))
            continue
        result.append((loc, describe(chosen[0], model, noun=noun, names=names)))
    return result


def describe(error: dict, model: type[BaseModel], *, noun: str = "field", names: Iterable[str] | None = None) -> str:
    """One pydantic error in the words of ``check``'s messages (see :func:`field_errors`)."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        candidates = _field_names(model) if names is None else list(names)
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        return f"unknown {noun}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {value!r}"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters, got {len(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} entries, got {ctx.get('actual_length', 0)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, got {value!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": "greater than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        limit = next(iter(ctx.values()))
        return f"must be {bound} {limit}, got {value!r}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, got {value!r}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number, got {value!r}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list, got {value!r}"
    if value is None and kind.endswith("_type"):
        return "must not be empty"
    if kind == "string_type" and isinstance(value, (int, float, bool)):
        return f"must be text, got {value!r} (put it in quotes to keep it as text)"
    if kind == "string_type":
        return f"must be text, got {value!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a mapping of 'field: value' lines"
    return error["msg"]


def _field_names(model: type[BaseModel]) -> list[str]:
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in getattr(info.annotation, "__args__", ()) or ():
            inner = getattr(arg, "__args__", None)
            for candidate in (arg, *(inner or ())):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    names |= set(candidate.model_fields)
    return sorted(names)
