"""``site-builder serve --cms`` run for real on a scratch copy of the sample site:
what tests/test_cms_local.py and tests/test_cms_browser.py start and stop.

The web editor's address, http://localhost:8081, is fixed by Decap CMS, so two
runs on one machine cannot overlap: :func:`editor_port` holds a lock file for the
while (a second test run waits for the first instead of failing).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from site_builder.commands.cms_local import EDITOR_PORT
from tests.golden import sample_project
from tests.test_cli import LOCAL, fetch, free_port, wait_for

PROJECT = Path(__file__).resolve().parent.parent
EDITOR_API = f"http://localhost:{EDITOR_PORT}/api/v1"
LOCK = Path(tempfile.gettempdir()) / f"site-builder-editor-{EDITOR_PORT}.lock"
LOCK_WAIT = 600  # seconds: another test run's web-editor tests, at most
NOW = "2026-11-28T12:00"  # the preview's build time: what the sample has upcoming events at


@contextlib.contextmanager
def editor_port() -> Iterator[None]:
    """Holds port 8081 for this test run (see the module's doc)."""
    with LOCK.open("a") as lock:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{LOCK} stayed locked: another run of the web-editor tests?") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return done.stdout


def git_project(root: Path) -> Path:
    """The sample site as a fresh git repository with one commit on ``main``."""
    sample_project(root)
    shutil.copy(PROJECT / ".gitignore", root / ".gitignore")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "Editor Test")
    git(root, "config", "user.email", "editor@example.org")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "The sample site")
    return root


@dataclass
class Served:
    process: subprocess.Popen
    base: str  # the preview, e.g. http://127.0.0.1:54321 (no final slash)
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        """The processes serve started (decap-server's node)."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in (task / "children").read_text().split()]
        return found


def start_serve(root: Path, log: Path, *options: str) -> Served:
    """``site-builder serve --cms`` on ``root`` (a free port for the preview); not waited for."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "SITE_BUILDER_LANG": "en"}
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "serve", "--port", str(port)]
    command += ["--now", NOW, "--cms", *options]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    return Served(process, f"http://127.0.0.1:{port}", log)


def editor_ready(served: Served) -> bool:
    """Whether the preview and the web editor both answer (raises when serve has ended)."""
    if served.process.poll() is not None:
        raise AssertionError(f"serve --cms ended ({served.process.returncode}):\n{served.output()}")
    return "web editor on" in served.output() and bool(fetch(served.base + "/"))


@contextlib.contextmanager
def serving(root: Path, log: Path, *options: str) -> Iterator[Served]:
    """``serve --cms`` on ``root`` until the block ends, then stopped as Ctrl+C would."""
    with editor_port():
        served = start_serve(root, log, *options)
        try:
            wait_for(lambda: editor_ready(served), 120, "serve --cms to start")
            yield served
        finally:
            stop(served)


def stop(served: Served, signum: int = signal.SIGINT) -> int:
    if served.process.poll() is None:
        served.process.send_signal(signum)
        try:
            served.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()
    return served.process.returncode


def post(url: str, body: bytes, origin: str, host: str | None = None) -> tuple[int, dict, bytes]:
    """A POST with the headers a browser would send; (status, headers, body)."""
    headers = {"Content-Type": "application/json", "Origin": origin} | ({"Host": host} if host else {})
    request = urllib.request.Request(url, body, headers, method="POST")
    try:
        with LOCAL.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
