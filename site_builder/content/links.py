"""The one resolver of the files and links an item refers to.

Every reference in a converted body — Markdown links and images (inline or
reference-style) and raw ``<a href>``/``<img src>`` alike, since all of them are
attributes of the HTML by then — and the front-matter ``image`` resolve here,
once, from the item's source file:

* a relative link to a Markdown file becomes the site path of the public page
  made from it (``../events/open-dialogue.md`` → ``/events/open-dialogue/``);
* a relative link to another existing file becomes the site path it is copied
  to, mirroring the source folders (``images/map.png`` in ``events/`` →
  ``/events/images/map.png``), and joins the item's list of files to copy;
* anything else (absolute URLs, site paths, fragments, targets that do not
  resolve) is left as written; ``check`` reports those of them that lead nowhere
  public (``content/link_check.py``), so a build leaves no ``.md`` link behind.

The result keeps each resolved reference as a site path, so each channel says
how it wants them: the site relative to the page, feeds, the API and mail as
absolute URLs.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import unquote, urlsplit

from site_builder.content.kinds import DATA_FOLDER, kind_of_folder

T = TypeVar("T")

_ATTRIBUTE = re.compile(r'(?P<attr>\b(?:src|href))="(?P<target>[^"]*)"')
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")


@dataclass(frozen=True)
class LinkedBody:
    """A body whose resolved references are site paths, ready for any channel.

    ``parts`` alternates HTML and site paths: ``parts[0]`` is HTML, ``parts[1]``
    a site path, ``parts[2]`` HTML, and so on. ``files`` are ``(source, site
    path)`` pairs of the files the body refers to."""

    parts: tuple[str, ...]
    files: tuple[tuple[Path, str], ...] = ()

    def html(self, url_for: Callable[[str], str]) -> str:
        """The HTML with each site path written by ``url_for`` (relative or absolute)."""
        return "".join(part if index % 2 == 0 else url_for(part) for index, part in enumerate(self.parts))


EMPTY = LinkedBody(("",))


RealPath = Callable[[Path], Path]  # ``Path.resolve``, or a :class:`RealPaths` of one run


class RealPaths:
    """``Path.resolve()`` for one run of check or build, each path resolved once: the
    answer is the same while the files do not change, and a run reads them only once."""

    def __init__(self) -> None:
        self._found: dict[str, Path] = {}

    def __call__(self, path: Path) -> Path:
        key = str(path)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = path.resolve()
        return found


class Resolver:
    """Resolves references from the source files of one project at one build."""

    def __init__(self, root: Path, pages: dict[Path, str], real: RealPath = Path.resolve):
        self.root = root.resolve()
        self.pages = pages  # source file (resolved) -> URL of its public page
        self.real = real

    def resolve(self, source_file: Path, target: str) -> tuple[str, Path | None] | None:
        """``(site path, file to copy or None)`` for ``target`` written in ``source_file``."""
        if not target or _EXTERNAL.match(target):
            return None
        path, suffix = split_target(target)
        if not path:
            return None
        source = self.real(source_file.parent / unquote(path))  # as the browser asks for it: %20 is a space
        if source.suffix.lower() == ".md":  # decided on the resolved path: `a.md/.` is a page link too
            url = self.pages.get(source)
            return (url + suffix, None) if url else None
        site_path = file_site_path(self.root, source)
        if site_path is None or not source.is_file():
            return None
        return site_path + suffix, source

    def link_body(self, source_file: Path, html: str) -> LinkedBody:
        parts: list[str] = []
        files: dict[str, Path] = {}
        position = 0
        for match in _ATTRIBUTE.finditer(html):
            resolved = self.resolve(source_file, match["target"])
            if resolved is None:
                continue
            site_path, copied = resolved
            start = match.start("target")
            parts += [html[position:start], site_path]
            position = match.end("target")
            if copied is not None:
                files.setdefault(_without_suffix(site_path), copied)
        parts.append(html[position:])
        return LinkedBody(tuple(parts), tuple((source, path) for path, source in sorted(files.items())))

    def link_pages(self, source_file: Path, html: str, url_for: Callable[[str], str]) -> str:
        """``html`` with each link to the Markdown file of a public page written as that
        page's URL by ``url_for``; every other reference as it is. For ordinary pages,
        whose other references the engine has already written relative to the page."""

        def write(match: re.Match) -> str:
            resolved = self.resolve(source_file, match["target"])
            if resolved is None or resolved[1] is not None:  # not a page: a file, or left as written
                return match[0]
            return f'{match["attr"]}="{url_for(resolved[0])}"'

        return _ATTRIBUTE.sub(write, html)


def references(html: str) -> list[str]:
    """Every ``href`` and ``src`` value in ``html``, as written (HTML-escaped)."""
    return [target for _, target in _ATTRIBUTE.findall(html)]


def file_site_path(root: Path, source: Path) -> str | None:
    """Where a file beside the content is published: its folder mirrored under its
    kind's URL prefix. ``None`` outside the content folders and for datasets."""
    try:
        relative = source.relative_to(root)
    except ValueError:
        return None
    kind = kind_of_folder(relative)
    if kind is None or relative.as_posix().startswith(DATA_FOLDER + "/") or source.suffix.lower() == ".md":
        return None
    inside = relative.relative_to(kind.folder).as_posix()
    return kind.url_prefix + inside


def resolve_image(root: Path, source_file: Path, url: str, image: str) -> tuple[str, Path | None]:
    """``(site path, file to copy)`` of a front-matter ``image``: the same rule as
    files in the body. An image that is missing or outside the content folders is
    not copied (``None``); its path is then the one beside the page (``url``)."""
    source = (source_file.parent / image).resolve()
    found = file_site_path(root.resolve(), source)
    if found is not None and source.is_file():
        return found, source
    return f"{url.rstrip('/').rsplit('/', 1)[0]}/{image}", None


def split_target(target: str) -> tuple[str, str]:
    """``("a/b.md", "#part")`` from ``a/b.md#part``; the query or fragment is kept as written."""
    cut = min((index for index in (target.find("#"), target.find("?")) if index >= 0), default=len(target))
    return target[:cut], target[cut:]


def _without_suffix(site_path: str) -> str:
    return split_target(site_path)[0]


def relative_url(target: str, base: str) -> str:
    """``target`` (a site path such as ``/cases/a/``) as seen from page ``base``."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return target
    path, _, fragment = target.partition("#")
    rel = _relpath(path, base if base.endswith("/") else posixpath.dirname(base))
    if path.endswith("/") and rel != ".":
        rel += "/"
    elif rel == ".":
        rel = "./"
    return rel + (f"#{fragment}" if fragment else "")


def target_folders(targets: Iterable[str]) -> set[str]:
    """Every folder leading to one of ``targets`` (site paths; other addresses have none)."""
    folders = {"/"}
    for target in targets:
        if target.startswith("/") and not target.startswith("//"):  # //host/… is another site's
            parts = [part for part in posixpath.normpath(urlsplit(target).path).split("/") if part]
            folders.update("/" + "".join(f"{part}/" for part in parts[:count]) for count in range(len(parts) + 1))
    return folders


def link_shape(url: str, folders: set[str]) -> tuple[int, str]:
    """What decides how :func:`relative_url` writes, from the page at ``url``, every target whose
    folders (:func:`target_folders`) are ``folders``: the page folder's depth and its deepest
    folder among them (the most it can share with a target). Pages of the same shape write
    those links alike, so what holds only such links is rendered once for all of them."""
    folder = url if url.endswith("/") else posixpath.dirname(url) + "/"
    shared = folder
    while shared not in folders and shared != "/":
        shared = posixpath.dirname(shared.rstrip("/")).rstrip("/") + "/"
    return folder.count("/"), shared


class ByLinkShape(Generic[T]):
    """Renderings that differ between pages only by how they write their links, each made
    once per :func:`link_shape` (the header and footer, a list's facet menu). The folders
    that decide a shape are learnt from the links a rendering writes; a rendering that
    writes a link not seen before makes the shapes finer, and what was kept is let go."""

    def __init__(self) -> None:
        self.targets: set[str] = set()
        self.folders: set[str] = {"/"}
        self.made: dict[Hashable, T] = {}

    def get(
        self, url: str, u: Callable[[str], str], render: Callable[[Callable[[str], str]], T], key: Hashable = None
    ) -> T:
        """What ``render`` (given a link writer) makes for the page at ``url``, whose links
        ``u`` writes; ``key``: whatever else the rendering depends on."""
        found = self.made.get((link_shape(url, self.folders), key), _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        seen = len(self.folders)

        def recording(target: str) -> str:
            if target not in self.targets:
                self.targets.add(target)
                self.folders |= target_folders([target])
            return u(target)

        made = render(recording)
        if len(self.folders) != seen:
            self.made.clear()
        self.made[(link_shape(url, self.folders), key)] = made
        return made


_MISSING = object()


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath`` without its ``abspath`` calls (a page build makes ~100k
    of these); the same result for the absolute paths that site URLs are."""
    if not (path.startswith("/") and start.startswith("/")) or "/." in path or "/." in start:
        return posixpath.relpath(path, start)
    path_parts = [part for part in path.split("/") if part]
    start_parts = [part for part in start.split("/") if part]
    common = 0
    for mine, theirs in zip(path_parts, start_parts, strict=False):
        if mine != theirs:
            break
        common += 1
    parts = [".."] * (len(start_parts) - common) + path_parts[common:]
    return "/".join(parts) or "."
