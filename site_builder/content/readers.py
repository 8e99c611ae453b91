"""Readers: content files in, validated entries or located errors out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from site_builder.content.field_messages import field_errors
from site_builder.content.frontmatter import (
    DEFAULT_LIMITS,
    ContentFileError,
    Limits,
    Loc,
    SourceFile,
    format_loc,
    read_source,
)
from site_builder.content.i18n import bi
from site_builder.content.kinds import EDITION, KINDS, PAGE, RESERVED_URLS, Kind
from site_builder.content.links import resolve_image
from site_builder.content.models import SLUG_PATTERN, Edition, Item, slug_example, slug_rule
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


Accepted = Callable[[Entry], None]  # told of each entry as soon as it is read and valid


def read_content(
    root: Path,
    reporter: Reporter,
    limits: Limits = DEFAULT_LIMITS,
    accepted: Accepted | None = None,
    reuse: Callable[[Path], Entry | None] | None = None,
) -> Content:
    """Read and validate every content file under ``root``, each within ``limits``;
    errors go to ``reporter``; ``accepted`` is given each entry as soon as it is read
    (its body starts converting). The pipeline runs its registered checks across files afterwards.
    ``reuse`` gives the entry of a file that was read before and has not changed since (a
    live preview's next build), else ``None``: that file is not read again (nor accepted)."""
    content = Content(root)
    for kind in KINDS:
        content.entries[kind.name] = _read_kind(root, kind, kind.paths(root), reporter, limits, accepted, reuse)
    validate_files(content, reporter)
    return content


def _read_kind(
    root: Path,
    kind: Kind,
    paths: list[Path],
    reporter: Reporter,
    limits: Limits,
    accepted: Accepted | None,
    reuse: Callable[[Path], Entry | None] | None = None,
) -> list[Entry]:
    entries = []
    seen: dict[str, Path] = {}
    for path in paths:
        entry = reuse(path) if reuse is not None else None
        fresh = entry is None
        if fresh:
            entry = read_entry(root, kind, path, reporter, limits)
        if entry is None:
            continue
        if entry.url in seen:
            line = entry.source.line_of(("slug",))
            other = reporter.display(seen[entry.url])
            message = bi(
                f"duplicate slug {entry.slug!r}: {other} has the URL {entry.url} already",
                f"URL の名前「{entry.slug}」は {other} がすでに使っています（{entry.url}）。"
                "slug: で別の名前を書いてください。",
            )
            reporter.error(path, line, "slug", message)
            continue
        seen[entry.url] = path
        entries.append(entry)
        if accepted is not None and fresh:
            accepted(entry)
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
        example = slug_example(unsafe[0])
        message = slug_rule(
            unsafe[0],
            " (from the file name): use only a-z, 0-9 and single '-' between them; rename the file or set slug",
            where="ファイル名やフォルダ名の",
            advice=f"名前を変えるか、slug: {example} のように URL の名前を書いてください。",
        )
        reporter.error(path, 1, "slug", message)
        return None
    if url in RESERVED_URLS:
        message = bi(
            f"the page URL {url} is reserved for generated pages",
            f"URL {url} は自動で作るページ（一覧、検索、フォームなど）が使います。"
            "ファイル名を変えるか、slug: で別の名前を書いてください。",
        )
        reporter.error(path, source.line_of(("slug",)), "slug", message)
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
            message = bi(
                f"file not found: {entry.meta.image}",
                f"画像ファイル {entry.meta.image} が見つかりません。ファイルを置くか、名前と場所を確かめてください"
                "（この .md ファイルのあるフォルダからの場所で書きます）。",
            )
            reporter.error(entry.path, line, "image", message)
