"""The search index: Pagefind's bundle, built page by page while the build writes.

:class:`SearchIndexer` starts the index's own process (site/search/worker.py), so that
indexing runs on the core the build is not using: each page handed over is read as
Pagefind reads one (site/search/text.py: the region marked ``data-pagefind-body``,
without its ``data-pagefind-ignore`` parts, the permalink marks ¶ and the footnotes'
back links ↩), its Japanese cut into pairs of characters as theme/assets/search.js cuts
queries, and packed into Pagefind's files (site/search/bundle.py); Pagefind's search code
is copied beside them. Only what the build hands over is indexed, so drafts and scheduled
items never reach the index.

    indexer = SearchIndexer(site)
    indexer.add_page("/cases/x/", html)   # each finished page, as written
    indexer.finish()                      # the bundle is in site/pagefind/; or abort()
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from site_builder.content.i18n import bi
from site_builder.site.search.worker import END, frame

BUNDLE = "pagefind"  # the bundle's folder in the site
ENTRY = f"{BUNDLE}/pagefind-entry.json"
FINISH_TIMEOUT = 30 * 60  # seconds the index may take once every page is handed over
QUEUED = 128 * 1024 * 1024  # bytes of pages handed over but not yet sent: add_page waits above this
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding site_builder/
# The worker, run with the same site_builder as this process: its folder goes first on the
# path unless the path has it already (a site-packages folder must not go before the stdlib).
WORKER = (
    "import sys; root = sys.argv[1]; sys.path[:0] = [] if root in sys.path else [root]; "
    "from site_builder.site.search.worker import main; sys.exit(main(sys.argv[2:]))"
)


class SearchIndexError(Exception):
    pass


class SearchIndexer:
    """Pagefind's index of ``site``, built from the pages handed over while the build runs."""

    def __init__(self, site: Path, bundle: str = BUNDLE) -> None:
        """``bundle``: the folder of ``site`` the bundle is written to (a live preview writes
        the next one beside the one in use, then swaps them)."""
        self.site = site
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(PACKAGE_ROOT), str(site / bundle)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a process group of its own: abort() stops what it started too
        )
        self.pages: deque[bytes | None] = deque()
        self.queued = 0
        self.ready = threading.Condition()
        self.errors: deque[bytes] = deque(maxlen=200)
        self.done = False
        self.sender = threading.Thread(target=self.send_pages, name="search-index", daemon=True)
        self.reader = threading.Thread(target=self.read_errors, name="search-index-errors", daemon=True)
        self.sender.start()
        self.reader.start()

    def add_page(self, url: str, html: str) -> None:
        """One finished page, the HTML written to ``site/<url>index.html``. Returns at once
        unless :data:`QUEUED` bytes of pages wait for the index's process."""
        self.put(frame(url, html))

    def finish(self) -> None:
        """Wait for the index and its bundle in ``site/pagefind/``; :class:`SearchIndexError`
        when the index's process failed."""
        if self.done:
            return
        self.put(END)
        self.put(None)
        self.sender.join()
        try:
            returncode = self.process.wait(timeout=FINISH_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.abort()
            raise SearchIndexError(
                bi(
                    f"the search index took more than {FINISH_TIMEOUT} s and was stopped",
                    f"検索用の索引が {FINISH_TIMEOUT} 秒で終わらなかったので止めました",
                )
            ) from None
        self.reader.join()
        self.done = True
        if returncode != 0:
            message = b"".join(self.errors).decode("utf-8", errors="replace").strip() or f"exit status {returncode}"
            raise SearchIndexError(
                bi(f"the search index failed: {message}", f"検索用の索引を作れませんでした: {message}")
            )

    def abort(self) -> None:
        """Stop the index's process and what it started; nothing more is written. Idempotent."""
        self.done = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.put(None, wait=False)
        self.sender.join()

    def put(self, data: bytes | None, wait: bool = True) -> None:
        with self.ready:
            if wait:
                self.ready.wait_for(lambda: self.queued < QUEUED)
            self.pages.append(data)
            self.queued += len(data or b"")
            self.ready.notify_all()

    def send_pages(self) -> None:
        """Send what is handed over, in order, until ``None``; if the process ended, drop it
        (finish() reports why)."""
        stream = self.process.stdin
        broken = False
        while True:
            with self.ready:
                self.ready.wait_for(lambda: self.pages)
                data = self.pages.popleft()
                self.queued -= len(data or b"")
                self.ready.notify_all()
            if data is None:
                break
            if not broken:
                try:
                    stream.write(data)
                except (BrokenPipeError, ValueError):
                    broken = True
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.close()

    def read_errors(self) -> None:
        for line in self.process.stderr:
            self.errors.append(line[:2000])


def build_search_index(site: Path) -> None:
    """Index every page of the finished site folder (the pages' HTML files, in order)."""
    indexer = SearchIndexer(site)
    try:
        for path in sorted(site.rglob("*.html")):
            if BUNDLE in path.relative_to(site).parts[:1]:
                continue
            indexer.add_page(page_url(path.relative_to(site).as_posix()), path.read_text(encoding="utf-8"))
        indexer.finish()
    except BaseException:
        indexer.abort()
        raise


def page_url(path: str) -> str:
    """The URL Pagefind gives the page at ``path`` in the site: ``cases/x/index.html`` → ``/cases/x/``."""
    return "/" + (path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path)


def loaded_at_run_time(site: Path) -> dict[str, list[str]]:
    """``{entry file: files}``: what Pagefind's script loads, once it has read its entry file,
    by names it computes (no page names them): per language its metadata and its wasm
    (``wasm.unknown`` when the language has none of its own), and every file of the bundle's
    folders: the index, fragment and filter chunks its metadata names. For site/prune.py."""
    entry = site / ENTRY
    languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
    loaded = set()
    for language in languages.values():
        loaded.add(f"{BUNDLE}/pagefind.{language['hash']}.pf_meta")
        loaded.add(f"{BUNDLE}/wasm.{language.get('wasm') or 'unknown'}.pagefind")
    for folder in sorted(path for path in (site / BUNDLE).iterdir() if path.is_dir()):
        loaded.update(path.relative_to(site).as_posix() for path in folder.rglob("*") if path.is_file())
    return {ENTRY: sorted(loaded)}
