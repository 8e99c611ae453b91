"""The whole build, top to bottom.

    load → validate → select (publish time, drafts) → convert bodies → render pages
         → engine frames → write every channel and /admin/ → search index
         → prune unused theme files → publish atomically

Nothing is written until every content file is valid; the public folder is
replaced only by a complete build. The registries below are the only places that
know every content check, page generator and output channel: adding a channel is
one module and one line in :data:`CHANNELS`; adding a content type is its model
(``content/models.py``), its line in ``content/kinds.py`` and its generator here.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import gc
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from site_builder.channels import api, calendars, feeds, subscribe
from site_builder.cms import admin
from site_builder.content import link_check, placeholders, references
from site_builder.content.bodies import BodyConversion
from site_builder.content.checking import Checking
from site_builder.content.forms import project_form_secret
from site_builder.content.i18n import bi
from site_builder.content.kinds import CASE, EVENT, NEWS, kind_of_folder
from site_builder.content.links import LinkedBody
from site_builder.content.readers import Content, Entry, read_content
from site_builder.content.reporter import ContentErrors, Reporter, print_warnings
from site_builder.content.select import Published, page_files
from site_builder.content.settings import Config, read_config
from site_builder.context import NO_MEMO, Build, Memo, Progress, WebPage, Written, item_files
from site_builder.issues import datasets
from site_builder.issues import pages as issue_pages
from site_builder.newsletter import pages as newsletter_pages
from site_builder.site import chrome, engine, frames, prune, search_index, sitemap
from site_builder.site import forms as site_forms
from site_builder.site import pages as site_pages
from site_builder.site.engine import EngineError
from site_builder.site.render import PageGenerator, SiteRenderer
from site_builder.site.search_index import SearchIndexError
from site_builder.writer import (
    BuildFailed,
    Writer,
    WriterError,
    build_lock,
    check_room,
    discard,
    failed_build,
    machine_error,
    publish,
    remove_stale,
    replace_file,
    shown,
    staging_dir,
)

# Checks across content files, after each file was read and validated on its own.
ContentCheck = Callable[[Checking], None]
CHECKS: list[ContentCheck] = []
CHECKS.append(references.check_symlinks)  # no symbolic link anywhere in the content folders
CHECKS.append(references.check_references)  # images and links stay inside the content folders
CHECKS.append(link_check.check_links)  # every link in a body, and the header's and footer's, leads somewhere by then
CHECKS.append(datasets.check_issue_pages)  # issue pages: CSVs exist and fit their charts
CHECKS.append(placeholders.check_placeholders)  # no 【要記入：…】 left by `new` outside drafts

# The site's pages, in this order: each generator returns the pages of its section.
PAGES: list[PageGenerator] = []
PAGES.append(site_pages.home_page)  # /
PAGES.append(site_pages.case_pages)  # /cases/<slug>/, /cases/ with pages and facets
PAGES.append(site_pages.event_pages)  # /events/<slug>/, /events/ (upcoming, then past)
PAGES.append(site_pages.news_pages)  # /news/<slug>/, /news/
PAGES.append(issue_pages.issue_pages)  # /issues/<slug>/, /issues/
PAGES.append(site_pages.search_page)  # /search/
PAGES.append(site_pages.ordinary_pages)  # editors' pages under content/, rendered by the engine
PAGES.append(newsletter_pages.newsletter_pages)  # /newsletter/<id>/, /newsletter/
PAGES.append(subscribe.subscribe_page)  # /subscribe/: newsletter, feeds, calendar, open data, API
PAGES.append(site_forms.form_pages)  # /privacy/; with server_url: /consultation/form/ and the forms' thank-you pages

# Output channels besides the site pages: each returns {path: text or bytes}.
Channel = Callable[[Build], dict[str, "str | bytes"]]
CHANNELS: list[Channel] = []
CHANNELS.append(feeds.render_feeds)  # /feed.xml, /cases|events|news/feed.xml, /feed.json
CHANNELS.append(calendars.render_calendars)  # /events/calendar.ics, /events/<slug>/event.ics
CHANNELS.append(api.render_api)  # /api/<type>.json, /api/schema/<type>.json
CHANNELS.append(issue_pages.render_dataset_files)  # /issues/<slug>/<dataset>.csv, byte for byte

# The site paths a build writes, listed without rendering, one lister per section above
# (``site_paths``): a site path in a body is accepted by the link check only if listed.
SitePathLister = Callable[[Build], Iterable[str]]
SITE_PATHS: list[SitePathLister] = []
SITE_PATHS.append(site_pages.site_paths)  # home, cases, events, news and their lists, search, ordinary pages
SITE_PATHS.append(issue_pages.site_paths)  # /issues/, each issue page and its dataset copies
SITE_PATHS.append(newsletter_pages.site_paths)  # /newsletter/<id>/, /newsletter/
SITE_PATHS.append(subscribe.site_paths)  # /subscribe/
SITE_PATHS.append(site_forms.site_paths)  # /privacy/; with server_url: the form and thank-you pages
SITE_PATHS.append(feeds.feed_paths)  # /feed.xml, /cases|events|news/feed.xml, /feed.json
SITE_PATHS.append(calendars.calendar_paths)  # /events/calendar.ics, /events/<slug>/event.ics
SITE_PATHS.append(api.api_paths)  # /api/<type>.json, /api/schema/<type>.json
SITE_PATHS.append(item_files)  # files the public items refer to, copied beside them
SITE_PATHS.append(engine.engine_paths)  # /assets/ (theme/assets), /404.html, ordinary pages' files
SITE_PATHS.append(sitemap.sitemap_paths)  # /sitemap.xml, /sitemap.xml.gz, /robots.txt


def load(root: Path, now: dt.datetime, previous: Build | None = None) -> tuple[Config, Content, Reporter]:
    """Read the settings and every content file, and check them for a build at ``now``
    (links must lead to what is public then); the errors of all are in the reporter."""
    checking = check_all(root, now)
    return checking.config, checking.content, checking.reporter


def check_all(root: Path, now: dt.datetime, previous: Build | None = None) -> Checking:
    """:func:`load`, keeping what the checks worked out: the bodies, converted while the
    files were read, on every core (content/bodies.py).

    With the ``previous`` build of a live preview (:func:`update_site`), its settings, and the
    entries and converted bodies of the files not saved since, are taken as they were; and
    when the saved files leave every address and publication time as they were, only they
    are checked (the other files' checks cannot have changed)."""
    reporter = Reporter(root)
    config = previous.config if previous is not None else read_config(root, reporter)
    reuse = previous.unchanged_entry if previous is not None else None
    cache = root / ".cache" / "site-builder" if previous is None else None  # a preview's update converts a few
    with BodyConversion(config, cache) as conversion:
        content = read_content(root, reporter, config.limits, conversion.add, reuse)
        known = previous.unchanged_bodies(content) if previous is not None else {}
        checking = Checking(config, content, reporter, now, site_paths, conversion, known=known)
        if previous is not None and previous.real_paths is not None:
            checking.real_paths = previous.real_paths  # the same files: resolved as they were
        if previous is not None and reporter.ok and same_addresses(previous, checking):
            checking.linked = previous.unchanged_linked(content)  # they resolve as they did
            # The saved files alone are checked when the site's paths are those the previous
            # build wrote (no facet page, list page or file came or went).
            checking.paths = site_paths(config, content, *checking.published_at(now))
            if checking.paths == previous.paths:
                checking.only = previous.changed
        for check_content in CHECKS:
            check_content(checking)
    return checking


def same_addresses(previous: Build, checking: Checking) -> bool:
    """Whether ``checking``'s content publishes what ``previous`` published at the same times
    (the same public entries at the same URLs, the same drafts and dates), so that another
    file's links lead where they led: what a check of the saved files alone may rely on."""

    def addresses(entries: Iterable[Entry]) -> set[tuple]:
        return {(entry.kind, entry.url, entry.meta.draft, entry.meta.date) for entry in entries}

    before = [entry for entries in (previous.content.entries.values() if previous.content else ()) for entry in entries]
    return addresses(before) == addresses(checking.entries)


def site_paths(config: Config, content: Content, published: Published, bodies: dict[str, LinkedBody]) -> set[str]:
    """Every site path a build of ``published`` writes (:data:`SITE_PATHS`), given its
    bodies with their references resolved; nothing is rendered."""
    build = Build(config, published, bodies, page_files=page_files(content, published, bodies))
    return {path for list_paths in SITE_PATHS for path in list_paths(build)}


def load_config(root: Path) -> Config:
    """The configuration alone (for commands that read no content), valid or :class:`ContentErrors`."""
    reporter = Reporter(root)
    config = read_config(root, reporter)
    if not reporter.ok:
        raise ContentErrors(reporter)
    return config


def load_valid(root: Path, now: dt.datetime, previous: Build | None = None) -> tuple[Config, Content]:
    """:func:`load`, raising :class:`ContentErrors` when anything is invalid."""
    config, content, reporter = load(root, now, previous)
    if not reporter.ok:
        raise ContentErrors(reporter)
    print_warnings(reporter)
    return config, content


def check(root: Path, now: dt.datetime) -> Reporter:
    """Every error and warning of the content, checked for a build at ``now``."""
    return load(root, now)[2]


def prepare(root: Path, now: dt.datetime, progress: Progress, previous: Build | None = None) -> Build:
    """Everything up to the channels: valid content, selected at ``now``, bodies converted
    (by the check: its conversions are kept as the cache). With the ``previous`` build of a
    live preview, only the saved files are read, converted and checked (:func:`check_all`)."""
    checking = check_all(root, now, previous)
    if not checking.reporter.ok:
        raise ContentErrors(checking.reporter)
    print_warnings(checking.reporter)
    config, content = checking.config, checking.content
    files = sum(len(v) for v in content.entries.values())
    progress.step(bi(f"read {files} content files", f"原稿 {files} 件を読みました"))
    published, bodies = checking.published_at(now)
    if previous is None:
        checking.conversion.save(published.items() + published.pages + published.editions, checking.converted)
    progress.step(bi(f"converted {len(bodies)} Markdown bodies", f"本文 {len(bodies)} 件を変換しました"))
    files = page_files(content, published, bodies)
    memo = previous.memo if previous is not None else NO_MEMO
    build = Build(config, published, bodies, page_files=files, memo=memo, content=content, converted=checking.converted)
    build.real_paths = checking.real_paths
    build.paths = checking.paths
    if config.settings.server.url:  # the forms' tokens are signed with it (site/forms.py)
        build.form_secret = project_form_secret(config)
    return build


def keep_paths(build: Build) -> None:
    """A live preview's build keeps the site paths it writes: the next one checks only the
    saved files if it writes the same (:func:`check_all`, which lists them for that)."""
    if build.paths is None:
        build.paths = site_paths(build.config, build.content, build.published, build.bodies)


def render_pages(build: Build) -> list[WebPage]:
    site = SiteRenderer(
        build,
        alternates=feeds.alternates(build.config),
        event_actions=calendars.event_actions(build),
        event_list_extra=calendars.calendar_list_link(build),
    )
    return [page for generate in PAGES for page in generate(site)]


def build_site(
    root: Path, site_dir: Path, now: dt.datetime, progress: Progress | None = None, live: bool = False
) -> Build:
    """Build ``site_dir`` holding its lock: what killed builds left beside it is removed
    first; the machine's failures (a full disk…) end as one :class:`BuildFailed`
    line, the published site unchanged. ``live``: the build of a live preview, which keeps
    what :func:`update_site` needs for the next one (:class:`Memo`, :class:`Written`)."""
    progress = progress or Progress(quiet=True)
    try:
        with build_lock(site_dir):
            stale = remove_stale(site_dir)
            if stale:
                progress.step(
                    bi(
                        f"removed what interrupted builds left: {', '.join(stale)}",
                        f"中断された作成の残りを消しました: {'、'.join(stale)}",
                    )
                )
            return build_and_publish(root, site_dir, now, progress, live)
    except (OSError, EngineError, SearchIndexError) as exc:
        failure = machine_failure(exc, root, site_dir)
        if failure is None:
            raise
        raise failure from None


def build_and_publish(root: Path, site_dir: Path, now: dt.datetime, progress: Progress, live: bool = False) -> Build:
    build = prepare(root, now, progress)
    if live:
        build.memo = Memo()
        keep_paths(build)
    build.pages = render_pages(build)
    progress.step(bi(f"rendered {len(build.pages)} pages", f"ページ {len(build.pages)} 件を作りました"))
    staging = staging_dir(site_dir)
    try:
        write_outputs(build, staging, progress)
        check_room(staging)
        publish(staging, site_dir)
    except BaseException:
        discard(staging)
        raise
    if live:
        build.retain()
    progress.step(bi(f"published {site_dir}", f"{site_dir} に公開しました"))
    return build


class FullBuildNeeded(Exception):
    """A change a live preview does not apply page by page (a template, the settings, an
    ordinary page, an image…): :func:`build_site` builds everything instead."""


# What a live preview's update applies page by page: items written as Markdown. Everything
# else goes through the engine (ordinary pages), the settings or files beside the items.
UPDATED_KINDS = (CASE, EVENT, NEWS)


def update_site(
    previous: Build, root: Path, site_dir: Path, now: dt.datetime, changed: frozenset[Path], progress: Progress
) -> Build:
    """The next build of a live preview (``serve``) after the content files ``changed`` (saved,
    added or deleted): only they are read and converted again, only the pages whose inputs
    changed are rendered again (:class:`Memo`), and only the files whose bytes changed are
    replaced in ``site_dir``, each at once. The output is byte for byte a full build's (the
    search index aside, which the caller brings up to date afterwards). Raises
    :class:`FullBuildNeeded` for any other change, :class:`ContentErrors` for invalid content
    (``site_dir`` untouched)."""
    if previous.written is None or not changed or not all(_is_item_file(root, path) for path in changed):
        raise FullBuildNeeded
    previous.changed = changed
    build = prepare(root, now, progress, previous)
    if public_urls(previous) - public_urls(build):  # an editor's page may link it: the engine writes those
        raise FullBuildNeeded
    keep_paths(build)
    memo = build.memo
    memo.reused = memo.made = 0
    build.pages = render_pages(build)
    progress.step(
        bi(
            f"rendered {memo.made} pages again, {memo.reused} unchanged",
            f"ページ {memo.made} 件を作り直しました（{memo.reused} 件は変わりません）",
        )
    )
    with build_lock(site_dir):
        build.written, count = update_outputs(build, previous.written, site_dir)
    build.retain()
    progress.step(bi(f"replaced {count} files in {site_dir}", f"{site_dir} のファイル {count} 件を入れ替えました"))
    return build


def public_urls(build: Build) -> set[str]:
    return {entry.url for entry in build.published.items() + build.published.pages + build.published.editions}


def _is_item_file(root: Path, path: Path) -> bool:
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    return path.suffix == ".md" and kind_of_folder(relative) in UPDATED_KINDS


def update_outputs(build: Build, written: Written, site_dir: Path) -> tuple[Written, int]:
    """Replace in ``site_dir`` what differs from the build that ``written`` describes:
    the pages not reused as they were, the channel files whose bytes changed, the items'
    files; remove what this build no longer writes. Returns the new description and the
    number of files written or removed."""
    dressing = chrome.Chrome(build)
    key = dressing.key()
    if key != written.chrome:  # the ordinary pages' and the 404 page's chrome would change too
        raise FullBuildNeeded
    nav_urls = engine.nav_frame_urls(build.config)
    pages, count = {}, 0
    for page in build.pages:
        pages[page.url] = page
        if page.markdown is not None or written.pages.get(page.url) is page:
            continue
        frame = written.frames.get(engine.frame_url(engine.frame_source(page.url, nav_urls)))
        if frame is None:  # a page deeper than any before: the engine has no frame for it
            raise FullBuildNeeded
        replace_file(site_dir / page.output_path, frames.fill(frame, page, dressing).encode("utf-8"), durable=False)
        count += 1
    gone = [written.pages[url].output_path for url in written.pages.keys() - pages.keys()]
    files = channel_files(build)
    for path, data in files.items():
        if written.files.get(path) != data:
            replace_file(site_dir / path.lstrip("/"), data.encode("utf-8") if isinstance(data, str) else data, False)
            count += 1
    gone += [path for path in written.files.keys() - files.keys()]
    copied = item_files(build)
    for path, source in copied.items():
        if written.item_files.get(path) != source:
            replace_file(site_dir / path.lstrip("/"), source.read_bytes(), durable=False)
            count += 1
    gone += [path for path in written.item_files.keys() - copied.keys()]
    for path in gone:  # what this build no longer writes, and the folders that leaves empty
        (site_dir / path.lstrip("/")).unlink(missing_ok=True)
    prune.remove_empty_folders(site_dir, [path.lstrip("/") for path in gone])
    return Written(written.frames, pages, key, files, copied), count + len(gone)


# How a full disk shows in the report of a program the build runs (Python's and Rust's wording).
NO_SPACE = ("[Errno 28]", "(os error 28)", os.strerror(errno.ENOSPC))


def machine_failure(exc: Exception, root: Path, site_dir: Path) -> BuildFailed | None:
    """The one-line error for a failure of the machine, else ``None`` (a fault of the program:
    its traceback stays). The engine and Pagefind are other processes: their report is read."""
    if isinstance(exc, OSError):
        return machine_error(exc, site_dir, root)
    if any(sign in str(exc) for sign in NO_SPACE):
        return failed_build(errno.ENOSPC, shown(site_dir, root))
    return None


def write_outputs(build: Build, staging: Path, progress: Progress) -> None:
    # The engine gets a project folder of its own (Zensical wants site_dir inside it),
    # made inside the staging folder so that its output moves into place by rename.
    with tempfile.TemporaryDirectory(prefix=".engine-", dir=staging) as work:
        docs, rendered = Path(work) / "docs", Path(work) / "site"
        frame_of = engine.write_docs(build.config, build.pages, docs, build.page_files)
        config_file = Path(work) / "mkdocs.yml"
        engine.write_engine_config(build.config, docs, rendered, config_file)
        running = engine.start_engine(build.config.engine, config_file)
        try:
            files = channel_files(build)  # while the engine renders the frames
        except BaseException:
            engine.stop_engine(running)
            raise
        engine.finish_engine(build.config.engine, running)
        for child in sorted(rendered.iterdir()):
            child.rename(staging / child.name)
    resolver = build.published.resolver(build.config.root)
    dressing = chrome.Chrome(build)
    frames.clean_ordinary_pages(staging, build.pages, build.config.html_policy, resolver, dressing)
    frame_count, name = len(set(frame_of.values())), build.config.engine
    progress.step(
        bi(
            f"engine ({name}) rendered {frame_count} frames and the ordinary pages",
            f"エンジン（{name}）が枠 {frame_count} 件とふつうのページを作りました",
        )
    )
    writer = Writer(staging)
    indexer = search_index.SearchIndexer(staging)  # indexes each page on the other core as it is written
    try:
        frame_texts = frames.fill_frames(staging, writer, build.pages, frame_of, dressing, indexer.add_page)
        copy_item_files(build, writer)
        for path, data in files.items():  # the channels, the sitemap and robots.txt
            writer.write(path, data)
        if build.memo is not NO_MEMO:  # a live preview's build: what the next one compares with
            build.written = Written(
                frame_texts, {page.url: page for page in build.pages}, dressing.key(), files, item_files(build)
            )
        write_admin(build, writer, progress)
        progress.step(bi(f"wrote {len(writer.written)} files", f"ファイル {len(writer.written)} 件を書きました"))
        if build.memo is NO_MEMO:  # a live preview keeps its pages for the next build
            release_page_html(build.pages)
        # While the index's last pages are indexed, the files are read for what they load
        # (those that load from the search bundle wait for it).
        keep = writer.written | {site_path.lstrip("/") for _, site_path in build.page_files}
        pruning = prune.Pruning(staging, keep, build.config.site_url, later=f"{search_index.BUNDLE}/")
        indexer.finish()
    except BaseException:
        indexer.abort()
        raise
    progress.step(bi("built the search index", "検索用の索引を作りました"))
    pruned = pruning.finish(search_index.loaded_at_run_time(staging))
    count, size = len(pruned.removed), prune.human_size(pruned.size)
    progress.step(
        bi(
            f"removed {count} theme and search files no page uses ({size})",
            f"どのページも使わないテーマと検索のファイル {count} 件（{size}）を除きました",
        )
    )


def channel_files(build: Build) -> dict[str, str | bytes]:
    """``{site path: data}`` of the channels, the sitemap and robots.txt, in writing order."""
    files: dict[str, str | bytes] = {}
    for channel in CHANNELS:
        for path, data in sorted(channel(build).items()):
            if path in files:
                raise WriterError(f"two outputs want the same path: {path}")
            files[path] = data
    text = sitemap.render_sitemap(build.pages, build.config)
    files[sitemap.SITEMAP] = text
    files[sitemap.SITEMAP_GZ] = sitemap.gzip_bytes(text)
    files[sitemap.ROBOTS] = sitemap.render_robots(build.config)
    return files


def write_admin(build: Build, writer: Writer, progress: Progress) -> None:
    """/admin/, the web editing form (cms/admin.py), unless ``cms_enabled: false``;
    without the Decap CMS package the site is built without it, and the build says so."""
    if not build.config.settings.cms.enabled:
        return
    try:
        files = admin.render_admin(build.config)
    except admin.BundleMissing as missing:
        progress.warn(missing.args[0])
        return
    for path, data in sorted(files.items()):
        if isinstance(data, Path):
            writer.copy(data, path)
        else:
            writer.write(path, data)


def copy_item_files(build: Build, writer: Writer) -> None:
    """The files public items and editions refer to (:func:`context.item_files`)."""
    for site_path, source in sorted(item_files(build).items()):
        writer.copy(source, site_path)


def release_page_html(pages: list[WebPage]) -> None:
    """Pages are on disk: give their HTML back (a 5,000-item build holds ~100 MB of it)."""
    for page in pages:
        page.body_html = page.head_html = ""
        page.markdown = None if page.markdown is None else ""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory is reused, not returned
        ctypes.CDLL("libc.so.6").malloc_trim(0)
