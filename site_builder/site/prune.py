"""Ship only what pages use: the last step of a build removes the files of the engine's
theme and of the search bundle that no published page loads.

A theme brings everything any site might use (Material: its lunr search and worker,
every language's stemmer, source maps); a search bundle brings every UI it offers.
What a page uses is read from what is published, the same way for any engine:

* every HTML page is used; a file is used when a used file names it where a browser
  loads or follows it: any attribute of a page (``href``, ``src``, ``srcset``, the
  ``og:image`` URL…), inline ``<style>`` and ``<script>``, a stylesheet's ``url()`` and
  ``@import``, and the strings of a script (scripts load by name: ``import()``,
  ``new Worker(…)``, ``fetch``), relative to the file or to the site;
* a script's data (``<script type="application/json">`` and the like) is not a load:
  the script that reads it decides (Material's page settings name its search worker,
  which it starts only with its own search box, which this site does not have);
* a source map is for developer tools, never loaded by a page: ``sourceMappingURL``
  does not count, and the comment goes from a file whose map is removed;
* what a program loads by names it computes at run time is declared by whoever knows
  the program: ``loaded_with`` (Pagefind's index files, listed in its entry file:
  site/search_index.py).

Only files the build did not write itself are candidates: pages, the editors' files
(downloads, images), datasets, feeds, calendars, the API, sitemap and robots.txt are
never removed (``keep``).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Files a browser reads for names of other files; pages are read as HTML, the rest as text.
SCANNED = frozenset({".html", ".css", ".js", ".mjs", ".svg", ".webmanifest"})
SCRIPTS = frozenset({".js", ".mjs"})
# A run of characters that can be part of a URL in HTML, CSS or a script string.
_TOKEN = re.compile(r"[^\s\"'`<>()\[\]{}\\,;|^]+")
_TAG = re.compile(r"""<[A-Za-z](?:"[^"]*"|'[^']*'|[^'">])*>""")
_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
_CODE_TYPES = frozenset({"", "module", "text/javascript", "application/javascript"})
# The last line of a minified script or stylesheet that names its map for developer tools.
_SOURCE_MAP = re.compile(r"\n?(?://|/\*)[#@] ?sourceMappingURL=([^\s*]*)(?: ?\*/)?\s*\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
MAX_TOKEN = 2000  # longer runs are data (an inline image), not a file name


@dataclass
class Pruned:
    """What :func:`prune_unused` removed."""

    removed: list[str] = field(default_factory=list)  # paths under the site, sorted
    size: int = 0  # their bytes


def prune_unused(
    site: Path, keep: Iterable[str], site_url: str, loaded_with: Mapping[str, Iterable[str]] | None = None
) -> Pruned:
    """Remove the files under ``site`` that are neither in ``keep`` (paths under ``site``)
    nor used by a page (see the module's docstring). ``site_url`` turns the site's absolute
    URLs back into its files; ``loaded_with`` maps a file to the files a program loads
    with it by names it computes."""
    return Pruning(site, keep, site_url).finish(loaded_with)


class Pruning:
    """:func:`prune_unused` in two steps, for a build whose search bundle is still being
    written: the files are read for what they name now (the main thread has nothing else to
    do meanwhile), except the files that name something in the folder ``later`` (the bundle:
    what a page loads from it has that folder in its name), which :meth:`finish` reads once
    the folder is complete. Without ``later``, :meth:`finish` does all of it."""

    def __init__(self, site: Path, keep: Iterable[str], site_url: str, later: str | None = None):
        self.site, self.keep, self.site_url = site, {path.lstrip("/") for path in keep}, site_url
        self.used: set[str] = set()
        self.waiting: set[str] | None = None
        if later is not None:
            files = list_files(site)
            links = Links(files, self.keep & files, site_url)
            self.used, self.waiting = reached(site, links, {}, later=later)

    def finish(self, loaded_with: Mapping[str, Iterable[str]] | None = None) -> Pruned:
        """Remove what no page uses (:func:`prune_unused`)."""
        site = self.site
        files = list_files(site)
        kept = self.keep & files
        links = Links(files, kept, self.site_url)
        loads = {name: set(names) for name, names in (loaded_with or {}).items()}
        start = (self.used & files, self.waiting) if self.waiting is not None else None
        used, _ = reached(site, links, loads, start=start)
        pruned = Pruned()
        for name in sorted(files - kept - used):
            path = site / name
            pruned.size += path.stat().st_size
            path.unlink()
            pruned.removed.append(name)
        remove_empty_folders(site, pruned.removed)
        remaining = files - set(pruned.removed)
        for name in sorted(used - kept):
            drop_source_map_comment(site, name, links, remaining)
        return pruned


class Links:
    """Names in a file's text resolved to the site's files."""

    def __init__(self, files: set[str], kept: set[str], site_url: str):
        self.files, self.site_url = files, site_url
        self.root = urlsplit(site_url).path  # the site's path on its host: "/" or "/<folder>/"
        # Only files that may go are looked for, and a name can only lead to a file with its
        # last segment: most names of a page (its links to pages, its words) end here.
        self.by_last_segment: dict[str, list[str]] = {}
        for name in sorted(files - kept):
            if not name.endswith(".html"):
                self.by_last_segment.setdefault(name.rsplit("/", 1)[-1], []).append(name)

    def named(self, name: str, text: str) -> set[str]:
        """The files that ``text`` (of the file ``name``) names: by the site's absolute URL,
        from the site's root, or relative to the file; a script's string relative to any
        page too (``fetch`` resolves it against the page that runs the script), so any file
        whose path ends with it."""
        folder, script = posixpath.dirname(name), Path(name).suffix in SCRIPTS
        found = set()
        for token in set(_TOKEN.findall(text)):
            if "." not in token or len(token) > MAX_TOKEN:  # a file's name has a dot
                continue
            path = token.split("#", 1)[0].split("?", 1)[0]
            same_name = self.by_last_segment.get(unquote(path.rsplit("/", 1)[-1]))
            if not same_name:
                continue
            found.update(target for target in (self.resolve(folder, path), self.resolve("", path)) if target)
            if script and not _SCHEME.match(path):
                tail = "/" + unquote(path).lstrip("./")
                found.update(target for target in same_name if ("/" + target).endswith(tail))
        return found & self.files

    def resolve(self, folder: str, path: str) -> str | None:
        """The path under the site that ``path`` (a URL without query) names from ``folder``."""
        if path.startswith("//"):
            return self.site_path("https:" + path)
        if _SCHEME.match(path):  # https://… of this site, or another scheme (data:, mailto:…)
            return self.site_path(path) if "://" in path else None
        if path.startswith("/"):
            return unquote(path[len(self.root) :]) if path.startswith(self.root) else None
        joined = posixpath.normpath(posixpath.join("/", folder, unquote(path)))
        return joined.lstrip("/")

    def site_path(self, url: str) -> str | None:
        """The path under the site of an absolute URL, or None when it leads elsewhere."""
        own = self.site_url.split("://", 1)[1]
        address = url.split("://", 1)[1]
        if not address.startswith(own):
            return None
        return unquote(urlsplit("//" + address).path[len(self.root) :])


def reached(
    site: Path,
    links: Links,
    loaded_with: dict[str, set[str]],
    start: tuple[set[str], set[str]] | None = None,
    later: str | None = None,
) -> tuple[set[str], set[str]]:
    """Every file a page uses, pages included; and the files whose text names something in
    the folder ``later``, left for later (unread). ``start``: what an earlier call found used,
    and the files it left for later, read now."""
    used = {name for name in links.files if name.endswith(".html")}
    queue = sorted(used)
    if start is not None:
        used |= start[0] | start[1]
        queue = sorted(start[1] | (used - start[0]))
    waiting: set[str] = set()
    while queue:
        name = queue.pop()
        found = loaded_with.get(name, set()) & links.files
        if Path(name).suffix in SCANNED:
            text = read_loads(site / name)
            if later is not None and later in text:
                waiting.add(name)
                continue
            found |= links.named(name, text)
        new = sorted(found - used)
        used.update(new)
        queue.extend(new)
    return used, waiting


def read_loads(path: Path) -> str:
    """The text of a file without what names files no browser loads: of a page, only its
    tags (their attributes) and the code of its scripts and styles (text between tags loads
    nothing, and a page's words are most of it); a script's or stylesheet's source-map comment."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        return html_loads(text)
    return _SOURCE_MAP.sub("", text)


def html_loads(text: str) -> str:
    """The parts of a page that can load a file: every tag, and the content of each ``<style>``
    and of each ``<script>`` that runs (not a data script's)."""
    parts = _TAG.findall(text)
    for name, attributes, inner in _BLOCK.findall(text):
        if name.lower() == "style" or is_code(attributes):
            parts.append(inner)
    return "\n".join(parts)


def is_code(attributes: str) -> bool:
    """Whether a ``<script>`` with these attributes runs (else it holds data for a script)."""
    found = _TYPE.search(attributes)
    return (found[1].lower() if found else "") in _CODE_TYPES


def drop_source_map_comment(site: Path, name: str, links: Links, remaining: set[str]) -> None:
    """Remove the ``sourceMappingURL`` comment of a script or stylesheet whose map is gone."""
    if Path(name).suffix not in (".js", ".mjs", ".css"):
        return
    path = site / name
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    kept, mapped = without_source_map(text)
    if mapped is None:
        return
    target = links.resolve(posixpath.dirname(name), mapped)
    if target is not None and target not in remaining:  # an inline data: map stays
        path.write_text(kept, encoding="utf-8", errors="surrogateescape")


def without_source_map(text: str) -> tuple[str, str | None]:
    """A script or stylesheet without its last-line ``sourceMappingURL`` comment, and the map
    that comment named (``None``, and the text as it is, when there is no such comment)."""
    match = _SOURCE_MAP.search(text)
    if match is None:
        return text, None
    return text[: match.start()] + "\n", match[1]


def list_files(site: Path) -> set[str]:
    """Every file under ``site``, as a path relative to it."""
    found = set()
    for folder, _, names in os.walk(site):
        prefix = Path(folder).relative_to(site).as_posix()
        found.update(name if prefix == "." else f"{prefix}/{name}" for name in names)
    return found


def remove_empty_folders(site: Path, removed: list[str]) -> None:
    """Remove the folders that removing ``removed`` left empty, deepest first."""
    folders = {parent for name in removed for parent in Path(name).parents if parent != Path(".")}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        path = site / folder
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def human_size(size: int) -> str:
    """``1.2 MB``, ``340 KB``: for the build's progress line."""
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} KB"
