"""Save → updated page: how long after an editor saves a case the live preview shows it.

    .venv/bin/python bench/preview_latency.py [--sizes 1000,5000] [--edits 10] [--work bench/out] [--no-hugo]

For each N, ``bench/generate.py`` writes a project of N items (and ``bench/hugo_site.py``
the Hugo project of the same items). ``site-builder serve --port P --now NOW`` starts in
it; once its first build is served, the newest case (on the home page, the first list
pages and the feeds: what an incremental preview must update most) is saved ``--edits``
times, each time with a new sentence at the end of its body, written over the file as
an editor saves. After each save the case's page is fetched every 20 ms
(``Cache-Control: no-store``) until the sentence is in it: the seconds from the write to
that response are the latency. Between saves the server's process tree must be idle
(at most a fifth of a core over a second: a file watcher that polls, nothing more), so
work a save leaves behind (a search index catching up) is not charged to the next one.
An edit that shows nothing within ``--timeout`` seconds counts as a timeout.

Hugo's ``hugo server`` (defaults: fast render, live reload; ``--renderToMemory``) is
measured the same way on the Hugo project: the reference the issue names. Every process
started is stopped, with its children, whatever happens; the case file is put back.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 imported after bench/ joins sys.path
import hugo_site  # noqa: E402 imported after bench/ joins sys.path
import proctree  # noqa: E402 imported after bench/ joins sys.path

SITE_BUILDER = str(Path(sys.executable).with_name("site-builder"))
POLL = 0.02
TIMEOUT = 120  # seconds a save may take to show


@dataclass
class Latency:
    startup: float  # seconds from starting the server until the case's page is served
    seconds: list[float | None]  # save → page, per edit; None: not seen within the timeout
    tree_mb: float  # peak summed RSS of the server's process tree during the measurement

    @property
    def seen(self) -> list[float]:
        return [s for s in self.seconds if s is not None]

    @property
    def median(self) -> float | None:
        """The median, a timeout counting as slowest; None when that makes it a timeout."""
        value = statistics.median(_slowest(s) for s in self.seconds) if self.seconds else float("inf")
        return None if value == float("inf") else value

    @property
    def timeouts(self) -> int:
        return sum(s is None for s in self.seconds)


@dataclass
class Target:
    """What is edited and watched: ``source`` gets ``text_of(sentence)``; ``url`` shows it."""

    command: Callable[[int], list[str]]  # the server command for a port
    cwd: Path
    source: Path
    text_of: Callable[[str], str]
    url_path: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> bytes | None:
    """The page at ``url``, or None while the server does not answer or answers an error."""
    request = urllib.request.Request(url, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(url: str, marker: bytes, timeout: float, process: subprocess.Popen) -> float | None:
    """Polls ``url`` every 20 ms until ``marker`` is in the page; the seconds waited, or None."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        page = fetch(url)
        if page is not None and marker in page:
            return time.perf_counter() - started
        if process.poll() is not None:
            raise RuntimeError(f"the server ended (exit {process.returncode}) before {marker.decode()} was served")
        time.sleep(POLL)
    return None


def measure_preview(target: Target, edits: int, timeout: float, startup_timeout: float) -> Latency:
    """Starts ``target``'s server, then saves ``edits`` times; see the module's docstring."""
    original = target.source.read_bytes()
    token = secrets.token_hex(4)
    port = free_port()
    url = f"http://127.0.0.1:{port}{target.url_path}"
    target.source.write_text(target.text_of(f"プレビューの確認 bench{token}start。"), encoding="utf-8")
    log = tempfile.TemporaryFile()  # noqa: SIM115 closed below, after the server ended
    process = subprocess.Popen(
        target.command(port), cwd=target.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        with proctree.PeakSampler(process.pid, interval=0.1) as sampler:
            startup = wait_for(url, f"bench{token}start".encode(), startup_timeout, process)
            if startup is None:
                raise RuntimeError(f"{url} did not show the case within {startup_timeout:.0f} s")
            settle(process)
            seconds: list[float | None] = []
            for edit in range(1, edits + 1):
                marker = f"bench{token}edit{edit}"
                saved = time.perf_counter()
                target.source.write_text(target.text_of(f"保存の確認 {marker}。"), encoding="utf-8")
                seen = wait_for(url, marker.encode(), timeout - (time.perf_counter() - saved), process)
                seconds.append(None if seen is None else time.perf_counter() - saved)
                settle(process)
        return Latency(startup, seconds, sampler.peak / 2**20)
    except RuntimeError as error:
        log.seek(0)
        raise RuntimeError(f"{error}\n{log.read().decode(errors='replace')[-3000:]}") from None
    finally:
        proctree.stop(process)
        log.close()
        target.source.write_bytes(original)


def settle(process: subprocess.Popen, limit: float = 120) -> None:
    """Waits until the server is idle (the work a save left, such as a search index, is done)."""
    if proctree.wait_idle(process.pid, limit=limit) >= limit:
        print(f"  the server was still busy after {limit:.0f} s; saving again anyway", file=sys.stderr, flush=True)


def newest_case(items: list[generate.Item]) -> generate.Item:
    return [item for item in items if item.kind == "case"][-1]


def ours(project: Path, items: list[generate.Item], now: str = generate.NOW) -> Target:
    """``site-builder serve`` in ``project`` (written by ``generate.write_project`` from ``items``)."""
    case = newest_case(items)

    def text_of(sentence: str) -> str:
        return generate.file_text(dataclasses.replace(case, body=f"{case.body}\n{sentence}\n"))

    return Target(
        lambda port: [SITE_BUILDER, "serve", "--port", str(port), "--now", now],
        project,
        project / case.path,
        text_of,
        case.url,
    )


def hugo(project: Path, items: list[generate.Item]) -> Target:
    """``hugo server`` in ``project`` (written by ``hugo_site.write_hugo`` from ``items``)."""
    case = newest_case(items)
    return Target(
        lambda port: hugo_site.server_command(project, port),
        project,
        project / hugo_site.item_path(case),
        lambda sentence: hugo_site.item_text(case, f"{case.body}\n{sentence}\n"),
        hugo_site.item_url(case),
    )


def measure_size(
    n: int, work: Path, edits: int, timeout: float = TIMEOUT, with_hugo: bool = True
) -> dict[str, Latency]:
    """Ours (and Hugo's server) at ``n`` items, in projects under ``work/n{n}/`` (written when missing)."""
    items = generate.generate_items(n)
    project, hugo_project = work / f"n{n}" / "project", work / f"n{n}" / "hugo"
    if not (project / newest_case(items).path).is_file():
        generate.write_project(project, items)
    results = {"ours": measure_preview(ours(project, items), edits, timeout, startup_timeout=1800)}
    report(n, "ours", results["ours"])
    if with_hugo:
        if not (hugo_project / hugo_site.item_path(newest_case(items))).is_file():
            hugo_site.write_hugo(hugo_project, items)
        results["hugo"] = measure_preview(hugo(hugo_project, items), edits, timeout, startup_timeout=600)
        report(n, "hugo server", results["hugo"])
    return results


def report(n: int, label: str, latency: Latency) -> None:
    median = "timeout" if latency.median is None else f"{latency.median:.2f} s"
    print(
        f"  N={n}: {label}: first page {latency.startup:.1f} s, save → page median {median}, "
        f"each {', '.join('timeout' if s is None else f'{s:.2f}' for s in latency.seconds)}",
        file=sys.stderr,
        flush=True,
    )


def seconds(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.2f}"


def table(results: dict[int, dict[str, Latency]], edits: int, timeout: float) -> str:
    head = [
        "N",
        "ours: first page (s)",
        "ours: save → page median (s)",
        "ours: max (s)",
        "hugo server: first page (s)",
        "hugo server: median (s)",
        "hugo server: max (s)",
        "ours / hugo (median)",
        "serve peak MB, tree (ours / hugo)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for n, runs in sorted(results.items()):
        mine, theirs = runs["ours"], runs.get("hugo")
        row = [f"{n:,}", f"{mine.startup:.1f}", seconds(mine.median), seconds(max(mine.seconds, key=_slowest))]
        if theirs:
            row += [f"{theirs.startup:.1f}", seconds(theirs.median), seconds(max(theirs.seconds, key=_slowest))]
            ratio = mine.median / theirs.median if mine.median and theirs.median else None
            row += ["–" if ratio is None else f"{ratio:.1f}×", f"{mine.tree_mb:,.0f} / {theirs.tree_mb:,.0f}"]
        else:
            row += ["–", "–", "–", "–", f"{mine.tree_mb:,.0f} / –"]
        lines.append("| " + " | ".join(row) + " |")
    timeouts = sum(runs["ours"].timeouts for runs in results.values())
    note = f" {timeouts} of our saves showed nothing within {timeout:.0f} s (counted as slowest)." if timeouts else ""
    return "\n".join(lines) + f"\n\n{edits} saves per server and size.{note}"


def _slowest(value: float | None) -> float:
    return float("inf") if value is None else value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated item counts")
    parser.add_argument("--edits", type=int, default=10, help="saves per server and size")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds a save may take to show")
    parser.add_argument("--work", type=Path, default=HERE / "out", help="where the projects are (or are written)")
    parser.add_argument("--no-hugo", action="store_true", help="measure only site-builder serve")
    args = parser.parse_args(argv)
    results = {}
    for n in (int(size) for size in args.sizes.split(",")):
        print(f"N={n}: preview latency", file=sys.stderr, flush=True)
        results[n] = measure_size(n, args.work.resolve(), args.edits, args.timeout, not args.no_hugo)
    print(table(results, args.edits, args.timeout))


if __name__ == "__main__":
    main()
