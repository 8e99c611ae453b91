"""Every engine builds the whole sample site: MkDocs + Material, ProperDocs and Zensical.

Each build runs the real ``site-builder`` command the way a cron job or a deploy
script would: by the path of the virtual environment's script, with that
environment not activated (its bin folder is not on PATH). Pages are read back
with lxml and compared with tests/golden/ (titles, H1, main text) and with the
MkDocs build (which files exist, byte for byte for the feeds, API and sitemap).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest

from site_builder.content.settings import ENGINES
from site_builder.site.engine import FRAME_BODY, FRAME_FOLDER, FRAME_HEAD, FRAME_TITLE
from tests.golden import GOLDEN, NOW, SKIPPED, sample_project

GOLDEN_FILES = (GOLDEN / "FILES.txt").read_text(encoding="utf-8").split()
GOLDEN_PAGES = sorted(name for name in GOLDEN_FILES if name.endswith("index.html"))
# Files an engine writes for itself, beside ours. Zensical always writes its search index
# (search.json); no page of the site's frame loads it, so site/prune.py removes it.
ENGINE_FILES: dict[str, set[str]] = {"mkdocs": set(), "properdocs": set(), "zensical": set()}
MARKERS = (FRAME_TITLE, FRAME_HEAD, FRAME_BODY, '<div class="sb-frame">', "<!--<h1-->")
ARTICLE = "//main[@id='sb-main']"


def site_builder_command() -> list[str]:
    """The installed ``site-builder`` script beside this interpreter."""
    script = Path(sys.executable).parent / "site-builder"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "site_builder.cli"]


def unactivated_env(engine: str) -> dict[str, str]:
    """The environment of a shell where this virtual environment is not activated."""
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep) if part and part != bin_dir)
    env["SITE_BUILDER_ENGINE"] = engine
    return env


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """One build of the sample site per engine: ``{engine: (the command's result, site folder)}``."""
    root = tmp_path_factory.mktemp("engines")
    project = sample_project(root / "project")
    results = {}
    for engine in ENGINES:
        site = root / engine
        command = [*site_builder_command(), "--root", str(project), "build", "--site-dir", str(site), "--now", NOW]
        result = subprocess.run([*command, "--quiet"], capture_output=True, text=True, env=unactivated_env(engine))
        results[engine] = result, site
    return results


def site_of(builds: dict, engine: str) -> Path:
    result, site = builds[engine]
    assert result.returncode == 0, f"{engine} could not build the sample site:\n{result.stderr}"
    return site


def files_of(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}


def pages_of(site: Path) -> list[str]:
    return sorted(name for name in files_of(site) if name.endswith("index.html") and not name.startswith(SKIPPED))


def read_page(path: Path) -> tuple[str, list[str], str]:
    """``(<title>, H1 texts, main text)`` of a built page, whitespace collapsed."""
    root = lxml.html.parse(str(path)).getroot()
    articles = root.xpath(ARTICLE)
    assert len(articles) == 1, f"{path}: {len(articles)} main regions"
    return root.findtext(".//title"), texts(articles[0].xpath(".//h1")), texts([articles[0]])[0]


def read_golden_page(name: str) -> tuple[str, list[str], str]:
    """The same for the reviewed expectation, tests/golden/<page>.txt."""
    text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    title = re.match(r"<title>(.*?)</title>\n", text)[1]
    main = lxml.html.fragment_fromstring(text.split("\n-----\n", 1)[1], create_parent="div")
    return html.unescape(title), texts(main.xpath(".//h1")), texts([main])[0]


def texts(elements: list) -> list[str]:
    return [" ".join(element.text_content().split()) for element in elements]


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_writes_every_page_and_file(builds, engine):
    site, reference = site_of(builds, engine), site_of(builds, "mkdocs")
    pages = pages_of(site)
    assert pages == pages_of(reference)
    assert pages == GOLDEN_PAGES
    ours = {name for name in files_of(site) if not name.startswith(SKIPPED)}
    assert ours == set(GOLDEN_FILES) | ENGINE_FILES[engine]
    for name in GOLDEN_FILES:
        if not name.endswith(".html"):  # feeds, calendars, API, sitemap: the engine has no part in them
            assert (site / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.parametrize("engine", ENGINES)
def test_every_page_has_its_own_title_and_body(builds, engine):
    site = site_of(builds, engine)
    titles = set()
    for name in GOLDEN_PAGES:
        title, headings, main = read_page(site / name)
        expected_title, expected_headings, expected_main = read_golden_page(name)
        assert title == expected_title, name
        assert headings == expected_headings and len(headings) == 1, name
        assert main == expected_main, name
        titles.add(title)
    assert len(titles) == len(GOLDEN_PAGES)


@pytest.mark.parametrize("engine", ENGINES)
def test_headings_get_ids_from_their_text(builds, engine):
    """Ordinary pages (the engine converts them) get the ids item bodies get: the heading's text."""
    site = site_of(builds, engine)
    for name, heading in (("about/index.html", "設置目的"), ("cases/kodomo-shokudo/index.html", "背景")):
        article = lxml.html.parse(str(site / name)).xpath(ARTICLE)[0]
        assert heading in article.xpath(".//h2/@id"), (name, article.xpath(".//h2/@id"))
        assert f"#{heading}" in article.xpath(".//h2/a[@class='headerlink']/@href"), name


@pytest.mark.parametrize("engine", ENGINES)
def test_every_file_a_page_loads_is_shipped(builds, engine):
    """What the pruning step (site/prune.py) left is all each engine's pages load."""
    site, missing = site_of(builds, engine), set()
    for page in sorted(site.rglob("*.html")):
        tree = lxml.html.parse(str(page))
        loads = "//link[@rel='stylesheet' or @rel='icon' or @rel='preload' or @rel='modulepreload']/@href"
        for target in tree.xpath(f"{loads} | //script/@src | //img/@src"):
            parts = urlsplit(urljoin(page.relative_to(site).as_posix(), target))
            if not parts.scheme and not (site / unquote(parts.path).lstrip("/")).is_file():
                missing.add(f"{page.relative_to(site)}: {target}")
    assert missing == set()
    assert not [name for name in files_of(site) if name.endswith(".map")]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_frame_is_left(builds, engine):
    site = site_of(builds, engine)
    assert not [name for name in files_of(site) if FRAME_FOLDER in name.split("/")]
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".js", ".txt"):
            text = path.read_text(encoding="utf-8")
            assert not [marker for marker in MARKERS if marker in text], path.relative_to(site)
