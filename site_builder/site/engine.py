"""The engine step: a plain docs tree + config in, the page frames out.

The pipeline hands the engine (MkDocs, ProperDocs or Zensical, all reading
``mkdocs.yml``) only editors' ordinary pages and one *frame* page per nav entry
and per URL depth. Generated pages (items, lists) are finished HTML that
:mod:`site_builder.frames` pours into those frames, so no content logic lives in
engine callbacks and engine time does not grow with the number of items.
"""

from __future__ import annotations

import copy
import html
import importlib.metadata
import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
from importlib.machinery import PathFinder
from pathlib import Path

import yaml

from site_builder.content.markdown import HEADING_SLUGIFY, TOC_NAMES
from site_builder.content.settings import Config
from site_builder.context import Build, WebPage

FRAME_TITLE = "SB-FRAME-TITLE"
FRAME_HEAD = "<!--SB-FRAME-HEAD-->"
FRAME_BODY = "SB-FRAME-BODY"
FRAME_MARKDOWN = f'<!--<h1-->\n<div class="sb-frame">{FRAME_BODY}</div>\n'
FRAME_FOLDER = "sb-frame"
# An ordinary page's body is converted by the engine, raw HTML and all; these comments
# mark it so that site/frames.py cleans it afterwards with the HTML policy. The nonce is
# drawn per process, after the content was written: a body cannot forge the end mark.
_NONCE = secrets.token_hex(16)
BODY_START = f"<!--sb-body-{_NONCE}-->"
BODY_END = f"<!--sb-end-{_NONCE}-->"
FOOTNOTES_HERE = "///Footnotes Go Here///"  # Markdown's footnotes land inside the marks, not after them
NOT_FOUND_PAGE = "/404.html"  # the engine's


def marked_body(body: str) -> str:
    """An editor's Markdown between the marks, for the engine."""
    return f"{BODY_START}\n\n{body}\n\n{FOOTNOTES_HERE}\n\n{BODY_END}"


class EngineError(Exception):
    pass


def frame_source(url: str, nav_urls: set[str]) -> str:
    """The docs file whose rendering frames the page at ``url``."""
    if url in nav_urls:
        return url.lstrip("/") + "index.md"
    depth = len([part for part in url.split("/") if part])
    return f"{FRAME_FOLDER}/" + "d/" * max(depth - 1, 0) + "index.md"


def frame_url(source: str) -> str:
    return "/" + source[: -len("index.md")]


def engine_paths(build: Build) -> list[str]:
    """The site paths of the engine's output that content may link to (for the link
    check, without running it): the theme's assets (``theme/assets/`` → ``/assets/``),
    the 404 page, and the ordinary pages' files (:func:`write_docs`). The engine's own
    scripts and styles are not listed: their names are the theme's, not the content's."""
    assets = build.config.root / "theme" / "assets"
    found = [f"/assets/{path.relative_to(assets).as_posix()}" for path in sorted(assets.rglob("*")) if path.is_file()]
    return [*found, NOT_FOUND_PAGE, *(site_path for _, site_path in build.page_files)]


def write_docs(config: Config, pages: list[WebPage], docs: Path, page_files: list[tuple[Path, str]]) -> dict[str, str]:
    """Write the docs tree; returns ``{page url: frame url}`` for generated pages.
    ``page_files`` are the files of ordinary pages the engine publishes: ``(source, site path)``."""
    shutil.copytree(config.root / "theme" / "assets", docs / "assets")
    for source, site_path in page_files:
        target = docs / site_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    frames: dict[str, str] = {}
    nav_urls = nav_frame_urls(config)
    for page in pages:
        if page.markdown is not None:
            target = docs / docs_name(page.source.relative_to(config.root / "content"), page.url)
            # The engine's templates print the title unescaped (Material's header): it goes as HTML text.
            _write_markdown(target, html.escape(page.title), page.html_title, page.head_html, page.markdown)
        else:
            frames[page.url] = frame_url(frame_source(page.url, nav_urls))
    for url in sorted(set(frames.values())):
        source = url.lstrip("/") + "index.md"
        _write_markdown(docs / source, FRAME_TITLE, FRAME_TITLE, FRAME_HEAD, FRAME_MARKDOWN)
    return frames


def nav_frame_urls(config: Config) -> set[str]:
    """The URLs of the navigation's entries: each is framed by its own page (:func:`frame_source`)."""
    return {frame_url(source) for source in nav_sources(config.engine_config.get("nav", []))}


def docs_name(source: Path, url: str) -> Path:
    """Where an ordinary page goes in the docs tree: beside its source, named by its URL,
    so that a page with a ``slug`` (``あ.md``, ``slug: a-page``) is served where its links point."""
    if source.name == "index.md":
        return source
    return source.parent / (url.rstrip("/").rsplit("/", 1)[-1] + ".md")


def _write_markdown(target: Path, title: str, html_title: str, head: str, body: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(
        {"title": title, "sb_title": html_title, "sb_head": head}, allow_unicode=True, sort_keys=True, width=10**9
    )
    target.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


def nav_sources(nav: list) -> list[str]:
    found = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found += nav_sources(value)
        elif isinstance(value, str) and value.endswith(".md"):
            found.append(value)
    return found


def prune_nav(nav: list, docs: Path) -> list:
    """Drop nav entries whose page is not public at this build."""
    kept = []
    for item in nav:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            inner = prune_nav(value, docs)
            if inner:
                kept.append({title: inner})
        elif not isinstance(value, str) or "://" in value or (docs / value).is_file():
            kept.append(item)
    return kept


def write_engine_config(config: Config, docs: Path, site: Path, target: Path) -> None:
    data = copy.deepcopy(config.engine_config)
    data.get("extra", {}).pop("site_builder", None)
    if not data.get("extra"):
        data.pop("extra", None)
    # Relative to the config file: every engine resolves them the same way.
    data["docs_dir"] = os.path.relpath(docs, target.parent)
    data["site_dir"] = os.path.relpath(site, target.parent)
    data["use_directory_urls"] = True
    data["nav"] = prune_nav(data.get("nav", []), docs)
    if config.engine == "zensical":
        # Its own search is on even with `plugins: []` and would index the frames
        # (search.json holding SB-FRAME-BODY); the site searches with Pagefind.
        data["plugins"] = [*data.get("plugins", []), {"search": {"enabled": False}}]
    data["markdown_extensions"] = with_heading_ids(data.get("markdown_extensions", []))
    theme = data.setdefault("theme", {})
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = str((config.root / theme["custom_dir"]).resolve())
    target.write_text(yaml.dump(data, Dumper=_EngineDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


class PythonName(str):
    """A Python function the engine loads by name: ``!!python/name:module.function``."""


class _EngineDumper(yaml.SafeDumper):
    pass


_EngineDumper.add_representer(
    PythonName, lambda dumper, name: dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{name}", "")
)


def with_heading_ids(extensions: list) -> list:
    """The engine's ``markdown_extensions`` with its table of contents (on in every engine,
    listed or not) making ids as item bodies get them (content/markdown.py): from the
    heading's text, Japanese kept."""
    slugify = {"slugify": PythonName(HEADING_SLUGIFY)}
    found, kept = False, []
    for entry in extensions:
        name, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        if name in TOC_NAMES:
            found = True
            entry = {name: {**(options if isinstance(options, dict) else {}), **slugify}}
        kept.append(entry)
    return kept if found else [*kept, {"toc": slugify}]


# How to install each engine when it is missing (README "Engine").
INSTALL_HINTS = {
    "mkdocs": "pip install -e .",
    "properdocs": "pip install -e '.[engines]'",
    "zensical": "pip install -e '.[engines]'",
}


def engine_command(engine: str, config_file: Path) -> list[str]:
    """The command line that builds ``config_file`` with ``engine``."""
    quiet = [] if engine == "zensical" else ["--quiet"]  # Zensical has no --quiet (its output is kept for errors only)
    return [*engine_program(engine), "build", "--config-file", str(config_file), *quiet]


def engine_program(engine: str) -> list[str]:
    """How to start ``engine`` from the running interpreter's own environment.

    Never through PATH: a build from a virtual environment that is not activated
    must find the engine installed in it. ``python -m`` when the package has a
    ``__main__``, else the console script its entry point names, beside the
    interpreter."""
    spec = importlib.util.find_spec(engine)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if locations and PathFinder.find_spec("__main__", locations) is not None:
        return [sys.executable, "-m", engine]
    scripts = {Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))}
    for point in importlib.metadata.entry_points(group="console_scripts", name=engine):
        for folder in sorted(scripts):
            if (folder / point.name).is_file():
                return [str(folder / point.name)]
    raise EngineError(f"engine {engine!r} is not installed in {sys.prefix}; install it with: {INSTALL_HINTS[engine]}")


def start_engine(engine: str, config_file: Path) -> subprocess.Popen:
    """Start the engine on ``config_file``; :func:`finish_engine` waits for it (the build does
    other work meanwhile, on the other core)."""
    config_file = config_file.resolve()  # the engine runs in its folder: a relative path would not resolve
    command = engine_command(engine, config_file)
    try:
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=config_file.parent
        )
    except OSError as exc:  # a script that is there but cannot be run
        raise EngineError(f"engine {engine!r} could not be started ({command[0]}): {exc}") from None


def finish_engine(engine: str, process: subprocess.Popen) -> None:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise EngineError(f"{engine} build failed:\n{stdout}{stderr}".rstrip())


def stop_engine(process: subprocess.Popen) -> None:
    """End the engine early (the build failed meanwhile)."""
    if process.poll() is None:
        process.kill()
    process.communicate()
