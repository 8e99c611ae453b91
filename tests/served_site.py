"""The project's own content (cases/, events/, content/) built once at a fixed time and
served on 127.0.0.1: what tests/test_browser.py opens in Chromium and
tests/test_validators.py hands to the outside checkers. The fixtures that build and
serve it once per test run are in tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from site_builder.content.dates import TOKYO
from site_builder.pipeline import build_site

PROJECT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=TOKYO)  # so that there are upcoming events
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

CASE = "kodomo-shokudo-manabi"  # its title has < & " in it
EVENT_CANCELLED = "public-action-2020-04"
EVENT_POSTPONED = "open-dialogue-2020-2"
EVENT_UPCOMING = "mirai-link-2027-01"
ISSUE = "aging"  # an issue page: charts, their data tables and sources

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Anything but the local servers fails to resolve: the test never reaches the internet.
    # (localhost: the web editor's proxy, http://localhost:8081, tests/test_cms_browser.py.)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def build(site_dir: Path) -> Path:
    """The project's own content built into ``site_dir`` at :data:`NOW`."""
    build_site(PROJECT, site_dir, NOW)
    return site_dir


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(site_dir: Path, handler_class: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """Serves ``site_dir`` on 127.0.0.1 (a free port) and yields its base URL, without a final slash."""
    handler = functools.partial(handler_class, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(*flags: str, env: dict[str, str] | None = None) -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium with :data:`CHROMIUM_FLAGS`, ``flags`` and a profile of its own,
    keeping the console log; ``env`` is chromedriver's environment, which Chromium inherits."""
    profile = tempfile.mkdtemp(prefix="sb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, *flags, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager is never asked to download anything.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER), env=env), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_paths(site_dir: Path) -> list[str]:
    """The URL path of every HTML page in ``site_dir``, sorted (``/cases/`` for cases/index.html)."""
    paths = []
    for file in sorted(site_dir.rglob("*.html")):
        path = "/" + file.relative_to(site_dir).as_posix()
        paths.append(path.removesuffix("index.html"))
    return paths


ITEM_FOLDERS = ("/cases/", "/events/", "/news/", "/issues/")


def item_texts(site: Path, folders: tuple[str, ...] = ITEM_FOLDERS) -> dict[str, str]:
    """``{url: text}`` of the item pages of ``site`` in ``folders``: each page's content
    region (what ``data-pagefind-body`` marks) without what it marks to ignore, read with
    lxml and in NFKC: what a page shows a reader, read without the search index's code
    (tests/test_search_page.py and bench/recall.py judge search results by it)."""
    texts = {}
    for folder in folders:
        for path in sorted((site / folder.strip("/")).glob("*/index.html")):
            if path.parent.name == "page":
                continue
            regions = lxml.html.parse(str(path)).xpath("//*[@data-pagefind-body]")
            if not regions:
                continue
            for ignored in regions[0].xpath(".//*[@data-pagefind-ignore]"):
                ignored.drop_tree()
            texts[f"{folder}{path.parent.name}/"] = unicodedata.normalize("NFKC", regions[0].text_content())
    return texts
