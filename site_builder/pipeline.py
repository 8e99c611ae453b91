"""The whole build, top to bottom.

    load → validate → select (publish time, drafts) → render each channel → write atomically

Nothing is written until every content file is valid; the public folder is
replaced only by a complete build.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import re
import tempfile
from pathlib import Path
from typing import Callable

from site_builder.site import engine
from site_builder.site import frames
from site_builder.site import search_index
from site_builder.site import sitemap
from site_builder.channels import api
from site_builder.channels import calendars as calendar_ics
from site_builder.channels import feeds
from site_builder.issues import pages as issue_pages
from site_builder.content.settings import Config, read_config
from site_builder.content.readers import Content, read_content
from site_builder.content.markdown import MarkdownRenderer
from site_builder.content.reporter import ContentErrors, Reporter
from site_builder.context import Build, Progress
from site_builder.content.select import Published, select_public
from site_builder.site.pages import SiteRenderer, _normalize
from site_builder.site.webpage import WebPage
from site_builder.writer import Writer, discard, publish, staging_dir


# Output channels besides the site pages: each returns {path: text or bytes}.
Channel = Callable[[Build], dict[str, "str | bytes"]]
CHANNELS: list[Channel] = []
CHANNELS.append(feeds.render_feeds)  # /feed.xml, /cases|events|news/feed.xml, /feed.json
CHANNELS.append(calendar_ics.render_calendars)  # /events/calendar.ics, /events/<slug>/event.ics
CHANNELS.append(api.render_api)  # /api/<type>.json, /api/schema/<type>.json
CHANNELS.append(issue_pages.render_dataset_files)  # /issues/<slug>/<dataset>.csv, byte for byte


def load(root: Path) -> tuple[Config, Content, Reporter]:
    config = read_config(root)
    reporter = Reporter(root)
    content = read_content(root, reporter)
    return config, content, reporter


def render_bodies(published: Published, config: Config, cache_dir: Path | None) -> dict[str, str]:
    entries = published.items() + published.pages + published.editions
    names, configs = config.markdown_extensions()
    renderer = MarkdownRenderer(names, configs, cache_dir)
    html = renderer.render_all([entry.body for entry in entries])
    renderer.save()
    return {entry.url: body for entry, body in zip(entries, html)}


def prepare(root: Path, now: dt.datetime, progress: Progress) -> Build:
    config, content, reporter = load(root)
    progress.step(f"read {sum(len(v) for v in content.entries.values())} content files")
    if not reporter.ok:
        raise ContentErrors(reporter)
    published = select_public(content, now)
    bodies = render_bodies(published, config, root / ".cache" / "site-builder")
    progress.step(f"converted {len(bodies)} Markdown bodies")
    return Build(config, published, bodies)


def build_site(root: Path, site_dir: Path, now: dt.datetime, progress: Progress | None = None) -> Build:
    progress = progress or Progress(quiet=True)
    build = prepare(root, now, progress)
    build.pages = SiteRenderer(build.config, build.published, build.bodies, alternates=feeds.alternates(build.config),
                               event_actions=calendar_ics.event_actions(build),
                               event_list_extra=calendar_ics.calendar_list_link(build)).render_all()
    progress.step(f"rendered {len(build.pages)} pages")
    staging = staging_dir(site_dir)
    try:
        write_outputs(build, staging, progress)
        publish(staging, site_dir)
    except BaseException:
        discard(staging)
        raise
    progress.step(f"published {site_dir}")
    return build


def write_outputs(build: Build, staging: Path, progress: Progress) -> None:
    # The engine gets a project folder of its own (Zensical wants site_dir inside it),
    # made inside the staging folder so that its output moves into place by rename.
    with tempfile.TemporaryDirectory(prefix=".engine-", dir=staging) as work:
        docs, rendered = Path(work) / "docs", Path(work) / "site"
        frame_of = engine.write_docs(build.config, build.pages, docs)
        config_file = Path(work) / "mkdocs.yml"
        engine.write_engine_config(build.config, docs, rendered, config_file)
        engine.run_engine(build.config.engine, config_file)
        for child in sorted(rendered.iterdir()):
            child.rename(staging / child.name)
    progress.step(f"engine ({build.config.engine}) rendered {len(set(frame_of.values()))} frames and the ordinary pages")
    writer = Writer(staging)
    frames.fill_frames(staging, writer, build.pages, frame_of)
    copy_item_files(build, writer)
    write_channels(build, writer, staging)
    progress.step(f"wrote {len(writer.written)} files")
    release_page_html(build.pages)
    search_index.build_search_index(staging)
    progress.step("built the search index")


def write_channels(build: Build, writer: Writer, staging: Path) -> None:
    """The channels and the sitemap."""
    for channel in CHANNELS:
        for path, data in sorted(channel(build).items()):
            writer.write(path, data)
    text = sitemap.render_sitemap(build.pages, build.config)
    (staging / "sitemap.xml").write_text(text, encoding="utf-8")
    (staging / "sitemap.xml.gz").write_bytes(sitemap.gzip_bytes(text))


def release_page_html(pages: list[WebPage]) -> None:
    """Pages are on disk: give their HTML back before Pagefind, the build's largest
    process, starts (keeps a 5,000-item build's process tree under 1 GB)."""
    for page in pages:
        page.body_html = page.head_html = ""
        page.markdown = None if page.markdown is None else ""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused, not returned
        pass


_RELATIVE_REF = re.compile(r"\]\((?!https?:|/|#|mailto:)([^)\s]+\.(?:png|jpe?g|gif|svg|webp|pdf))\)")


def copy_item_files(build: Build, writer: Writer) -> None:
    """Images of public items, copied to mirror their source folders."""
    copied: set[str] = set()
    for entry in build.published.items():
        references = set(_RELATIVE_REF.findall(entry.body))
        if entry.meta.image:
            references.add(entry.meta.image)
        folder = entry.url.rstrip("/").rsplit("/", 1)[0] + "/"
        for reference in sorted(references):
            source = entry.path.parent / reference
            target = "/" + _normalize(folder.lstrip("/") + reference)
            if source.is_file() and target not in copied:
                copied.add(target)
                writer.copy(source, target)


def check(root: Path) -> Reporter:
    _, _, reporter = load(root)
    return reporter

