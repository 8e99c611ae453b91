"""Links are checked: every internal link in every body leads somewhere that is public.

Every body (cases, events, news, issue pages, newsletter editions, ordinary pages) is
read as the site publishes it (converted, cleaned by the HTML policy), so a link counts
in any syntax: inline or reference-style Markdown, raw ``<a href>``/``<img src>``.
External links (``https:``, ``mailto:``, ``tel:``… and ``//host/``) are not fetched, and
a fragment alone (``#part``) is a place in the same page. The rest are internal:

* a relative link to a Markdown file (``../cases/a.md#x``) must name a content file
  whose page is public when the linking page is;
* a relative link to another file (``images/map.png``) must name a file the build
  publishes (the resolver of ``content/links.py`` copies it beside the page);
* a site path (``/cases/``, ``/events/calendar.ics``) and any other relative link (read
  from the page's URL, as a browser does) must be a path the build writes.

*When* is the linking page's own time: the build time (``--now``) for a public page;
its ``date`` for a page still to come, since that is when the link goes live (a later
build must not fail on it); for a draft, any time, so a draft may link to drafts and to
what is still to come. A target that exists but is a draft, or dated after that time, is
reported with its date.

The site paths a build writes come from the pipeline (``pipeline.SITE_PATHS``: one
lister per page generator and channel, listing without rendering); they are computed
at the build time, and again at a later time only for a link not found at the build
time. Left out on purpose: the engine's own scripts and styles under ``/assets/`` and
Pagefind's files under ``/pagefind/`` (hashed names of the theme and the search index,
nothing content links to), and fragments (``#part`` is not looked up in the target).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from site_builder.content import dates
from site_builder.content.checking import Checking
from site_builder.content.forms import SERVER_PAGES
from site_builder.content.i18n import bi
from site_builder.content.kinds import DATA_FOLDER, ISSUE
from site_builder.content.links import references, split_target
from site_builder.content.readers import Entry
from site_builder.content.references import is_relative, leaves_content, line_of_text

_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def check_links(checking: Checking) -> None:
    """The content check (``pipeline.CHECKS``): each broken link is a ``body`` error on its line;
    then the links of the ``center_*`` settings (:func:`check_center_links`), with the same
    site paths."""
    links = Links(checking)
    if checking.only is None:  # else the settings and the addresses are as they were: so are their links
        check_center_links(links)
    for entry in checking.checked:
        for written in dict.fromkeys(references(checking.bodies[entry.path])):
            target = html.unescape(written)
            problem = links.problem(entry, target)
            if problem is not None:
                for line in link_lines(entry, target):
                    checking.reporter.error(entry.path, line, "body", problem)


class Links:
    """What links may lead to, for one run of the check."""

    def __init__(self, checking: Checking):
        self.checking = checking
        self.root, self.real = checking.content.root.resolve(), checking.real_paths
        self.by_file = {self.real(entry.path): entry for entry in checking.entries}
        self.by_url = {entry.url: entry for entry in checking.entries}
        dated = [entry.meta.date for entry in checking.entries if not entry.meta.draft]
        self.latest = max([checking.now, *dated])  # by then everything but the drafts is public
        self._paths: dict[dt.datetime, set[str]] = {}

    def moment(self, entry: Entry) -> dt.datetime:
        """When ``entry``'s links must work: see the module's description."""
        if entry.meta.draft:
            return self.latest
        return max(self.checking.now, entry.meta.date)

    def paths_at(self, moment: dt.datetime) -> set[str]:
        """Every site path a build at ``moment`` writes (computed once per moment)."""
        if moment not in self._paths:
            checking = self.checking
            published, bodies = checking.published_at(moment)
            self._paths[moment] = checking.site_paths(checking.config, checking.content, published, bodies)
        return self._paths[moment]

    def problem(self, entry: Entry, target: str) -> str | None:
        """Why ``target``, written in ``entry``'s body, is broken, or ``None``."""
        path = split_target(target)[0]
        if not path or _EXTERNAL.match(target):
            return None
        if path.startswith("/"):
            return self.site_path_problem(entry, path)
        if is_relative(target) and leaves_content(self.root, entry.path, target, self.real):
            return None  # content/references.py reports it
        source = self.real(entry.path.parent / unquote(path))
        if source.suffix.lower() == ".md":
            return self.page_problem(entry, source, target)
        if source.is_file():
            return None if _published_file(self.root, source) else dataset_message(target, self.dataset_copy(source))
        # Neither a page nor a file: left as written, the browser reads it from the page's URL.
        return self.site_path_problem(entry, posixpath.join(entry.url, path), relative_message(target))

    def page_problem(self, entry: Entry, source: Path, target: str) -> str | None:
        """A link to a Markdown file: a content file whose page is public in time."""
        linked = self.by_file.get(source)
        if linked is not None:
            return self.public_problem(entry, linked, lambda: self.checking.reporter.display(source))
        shown = self.checking.reporter.display(source)
        if source.is_file():
            failed = {error.path for error in self.checking.reporter.errors}
            return None if shown in failed else not_a_page_message(target, shown)  # its own errors say why
        return missing_file_message(target, shown, self.close_file(entry, source))

    def site_path_problem(self, entry: Entry, path: str, missing: str | None = None) -> str | None:
        """A path from the top of the site: written by the build in time. ``missing``
        is the message when nothing is there (default: the one for site paths)."""
        path = unquote(path)
        if self.find(entry, path) is not None:
            return None
        owner = self.owner(path)
        if owner is not None:
            shown = self.checking.reporter.display
            problem = self.public_problem(entry, owner, lambda: f"{path} ({shown(owner.path)})")
            if problem is not None:
                return problem
        return missing or self.missing_path_problem(path)

    def missing_path_problem(self, path: str) -> str:
        """Why nothing is at the site path ``path``: a page of the forms while ``server_url`` is
        unset, or no such page (and the nearest one, if any)."""
        if not self.checking.config.settings.server.url and any(s in SERVER_PAGES for s in _spellings(path)):
            return server_page_message(path)
        return missing_path_message(path, self.close_path(path))

    def find(self, entry: Entry, path: str) -> str | None:
        """The site path ``path`` stands for (normalized), if the build writes it in time."""
        wanted = _spellings(path)
        for moment in dict.fromkeys([self.checking.now, self.moment(entry)]):
            paths = self.paths_at(moment)
            found = next((spelling for spelling in wanted if spelling in paths), None)
            if found is not None:
                return found
        return None

    def owner(self, path: str) -> Entry | None:
        """The entry whose page is ``path`` or holds it (``/events/a/event.ics``), the home excepted."""
        for spelling in _spellings(path):
            while spelling not in ("", "/"):
                if spelling in self.by_url:
                    return self.by_url[spelling]
                spelling = posixpath.dirname(spelling.rstrip("/")) + "/"
        return None

    def public_problem(self, entry: Entry, linked: Entry, name: Callable[[], str]) -> str | None:
        """Whether ``linked``'s page (called ``name()`` in the message) is public whenever ``entry``'s is."""
        if linked.meta.draft and not entry.meta.draft:
            return draft_message(name())
        moment = self.moment(entry)
        if linked.meta.draft or linked.meta.date <= moment:
            return None
        if moment == self.checking.now:
            return not_yet_message(name(), linked.meta.date)
        return later_message(name(), linked.meta.date, entry.meta.date)

    def close_file(self, entry: Entry, source: Path) -> str | None:
        """The content file nearest to a misspelt one, as a link from ``entry``."""
        names = {
            posixpath.relpath(path.as_posix(), entry.path.parent.resolve().as_posix()): path for path in self.by_file
        }
        wanted = posixpath.relpath(source.as_posix(), entry.path.parent.resolve().as_posix())
        close = difflib.get_close_matches(wanted, sorted(names), n=1, cutoff=0.8)
        return close[0] if close else None

    def close_path(self, path: str) -> str | None:
        close = difflib.get_close_matches(path, sorted(self.paths_at(self.checking.now)), n=1, cutoff=0.8)
        return close[0] if close else None

    def dataset_copy(self, source: Path) -> str | None:
        """The published copy of a dataset file, beside an issue page that uses it."""
        for entry in self.checking.content.of(ISSUE.name):
            for dataset in entry.meta.datasets:
                if (self.root / "content" / dataset.file).resolve() == source:
                    return f"{entry.url}{source.name}"
        return None


def _spellings(path: str) -> list[str]:
    """``path`` normalized, and what a web server serves for it: ``/a`` → ``/a/``, ``/a/index.html`` → ``/a/``."""
    normal = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    if normal.startswith("//"):
        normal = normal[1:]
    found = [normal]
    if normal.endswith("/index.html"):
        found.append(normal[: -len("index.html")])
    elif not normal.endswith("/"):
        found.append(normal + "/")
    return found


def _published_file(root: Path, source: Path) -> bool:
    """Whether a file the resolver would copy: inside a content folder, not a dataset."""
    try:
        relative = source.relative_to(root).as_posix()
    except ValueError:
        return False
    return not relative.startswith(DATA_FOLDER + "/")


def link_lines(entry: Entry, target: str) -> list[int]:
    """Each line of the body where ``target`` is written as a link or image (the first
    line that mentions it, when no line writes it in a form recognised here)."""
    written = re.compile(r"(?:\]\(\s*<?|\]:\s*<?|(?:href|src)\s*=\s*[\"']?)" + re.escape(target) + r"(?=[\s\"'>)]|$)")
    found = [entry.body_line + offset for offset, line in enumerate(entry.body.split("\n")) if written.search(line)]
    return found or [line_of_text(entry, target)]


def when(moment: dt.datetime) -> str:
    """``2020-09-01``, or ``2020-09-01T10:00`` for a time other than midnight (Asia/Tokyo)."""
    local = moment.astimezone(dates.TOKYO)
    return f"{local:%Y-%m-%d}" if local.time() == dt.time(0, 0) else f"{local:%Y-%m-%dT%H:%M}"


# --- messages ------------------------------------------------------------------------


def draft_message(name: str) -> str:
    return bi(
        f"link target {name} is a draft (draft: true) and is not published; publish it or remove the link",
        f"リンク先 {name} は下書き（draft: true）のため公開されていません。"
        "リンク先を公開するか、リンクを外してください",
    )


def not_yet_message(name: str, date: dt.datetime) -> str:
    return bi(
        f"link target {name} is not public yet (its date is {when(date)}); "
        "publish this page on or after that date, or remove the link",
        f"リンク先 {name} はまだ公開されていません（公開日 {when(date)}）。"
        "公開日以降に公開するか、リンクを外してください",
    )


def later_message(name: str, date: dt.datetime, own: dt.datetime) -> str:
    return bi(
        f"link target {name} is published on {when(date)}, after this page ({when(own)}); "
        f"set this page's date to {when(date)} or later, or remove the link",
        f"リンク先 {name} の公開日（{when(date)}）は、このページの公開日（{when(own)}）より後です。"
        f"このページの date を {when(date)} 以降にするか、リンクを外してください",
    )


def missing_file_message(target: str, shown: str, close: str | None) -> str:
    if close:
        return bi(
            f"link target {target} does not exist ({shown} not found); did you mean {close}?",
            f"リンク先 {target} が見つかりません（{shown} というファイルはありません）。"
            f"{close} のまちがいではありませんか",
        )
    return bi(
        f"link target {target} does not exist ({shown} not found); check the file name "
        "(e.g. ../cases/ibasho.md) or remove the link",
        f"リンク先 {target} が見つかりません（{shown} というファイルはありません）。"
        "ファイル名を確かめて（例：../cases/ibasho.md）書き直すか、リンクを外してください",
    )


def not_a_page_message(target: str, shown: str) -> str:
    return bi(
        f"link target {target} ({shown}) is not a page of the site: Markdown files become pages directly in "
        "cases/ and events/, and in content/; link a page such as ../cases/ibasho.md or remove the link",
        f"リンク先 {target}（{shown}）はサイトのページになりません。ページになるのは cases/ と events/ の直下、"
        "および content/ の .md ファイルです。../cases/ibasho.md のようなページにリンクするか、リンクを外してください",
    )


def dataset_message(target: str, copy: str | None) -> str:
    example = copy or "/issues/aging/population.csv"
    return bi(
        f"link target {target} is not published by itself: files in {DATA_FOLDER}/ are published beside the "
        f"issue pages that use them; link that copy (e.g. {example})",
        f"リンク先 {target} はそのままでは公開されません。{DATA_FOLDER}/ のファイルは、使っている課題のページと"
        f"一緒に公開されます。そちらにリンクしてください（例：{example}）",
    )


def missing_path_message(target: str, close: str | None) -> str:
    if close:
        return bi(
            f"link target {target} is not a page or file of this site; did you mean {close}?",
            f"リンク先 {target} はこのサイトにありません。{close} のまちがいではありませんか",
        )
    return bi(
        f"link target {target} is not a page or file of this site; check the address (e.g. /cases/) or remove the link",
        f"リンク先 {target} はこのサイトにありません。"
        "アドレスを確かめて（例：/cases/）書き直すか、リンクを外してください",
    )


def server_page_message(target: str) -> str:
    return bi(
        f"link target {target} is a page of the centre's forms, written only while server_url is set in "
        "mkdocs.yml; set it or remove the link",
        f"リンク先 {target} はフォームのページで、mkdocs.yml に server_url（センターのサーバーのアドレス）を"
        "書いたときだけ作られます。server_url を書くか、リンクを外してください",
    )


def relative_message(target: str) -> str:
    return bi(
        f"link target {target} does not exist: there is no such file beside this one and no such page; "
        "link a file (e.g. images/map.png), a page's Markdown file (e.g. ../cases/ibasho.md) "
        "or an address from the top (e.g. /cases/)",
        f"リンク先 {target} が見つかりません。そのファイルもページもありません。"
        "ファイル（例：images/map.png）、ページの .md ファイル（例：../cases/ibasho.md）、"
        "または / から始まるアドレス（例：/cases/）でリンクしてください",
    )


def check_center_links(links: Links) -> None:
    """Each site path a ``center_*`` setting links to (header, footer, home page) is written by
    a build now; else a warning on its line in mkdocs.yml (a warning: the page may come later,
    and the chrome leaves such a link out)."""
    checking = links.checking
    settings = checking.config.settings.center
    targets = [
        ("center_contact_url", settings.contact_url),
        ("center_map_url", settings.map_url),
        ("center_wards_url", settings.wards_url),
        *(("center_purposes", link.url) for link in settings.purposes),
        *(("center_footer_links", link.url) for link in settings.footer_links),
    ]
    paths = links.paths_at(checking.now)
    config_file = checking.config.root / "mkdocs.yml"
    lines = config_file.read_text(encoding="utf-8").splitlines() if config_file.is_file() else []
    for key, target in targets:
        if not target or not target.startswith("/"):
            continue
        path = unquote(split_target(target)[0])
        if any(spelling in paths for spelling in _spellings(path)):
            continue
        line = next((number for number, text in enumerate(lines, 1) if target in text), 1)
        message = links.missing_path_problem(path)
        checking.reporter.warn(config_file, line, f"extra.site_builder.{key}", message)
