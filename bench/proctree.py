"""A benchmarked command's whole process tree, read from ``/proc``: its memory, its CPU
time, and stopping it (every process of it, even when something failed)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes]:
    """The fields of ``/proc/PID/stat`` after the command name (field 3 onwards)."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        stat = handle.read()
    return stat[stat.rindex(b")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(name))[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(name))
    return tree


def tree_pids(root: int) -> list[int]:
    """``root`` and every living descendant of it."""
    tree, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += tree.get(pid, [])
    return found


def tree_rss(root: int) -> int:
    """Sum of the resident set sizes (bytes) of ``root`` and its descendants."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root``'s tree: the living processes' own time plus
    what they collected from children that ended (``cutime``, ``cstime``)."""
    total = 0
    for pid in tree_pids(root):
        try:
            fields = _stat_fields(pid)
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICK


class PeakSampler:
    """Samples ``tree_rss(pid)`` every ``interval`` seconds in a thread; ``peak`` in bytes."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.peak = max(self.peak, tree_rss(self.pid))


def wait_idle(pid: int, window: float = 1.0, busy: float = 0.2, limit: float = 120.0) -> float:
    """Waits until ``pid``'s tree used at most ``busy`` of a core over the last ``window``
    seconds (a preview server's file watcher may poll; a build or an indexer does not
    stay under it), or ``limit`` seconds passed; returns the seconds waited."""
    started = time.perf_counter()
    samples = [(started, tree_cpu(pid))]
    while time.perf_counter() - started < limit:
        time.sleep(0.25)
        now = time.perf_counter()
        samples.append((now, tree_cpu(pid)))
        while len(samples) > 2 and now - samples[1][0] >= window:
            samples.pop(0)
        first_time, first_cpu = samples[0]
        if now - first_time >= window and samples[-1][1] - first_cpu <= busy * (now - first_time):
            break
    return time.perf_counter() - started


def kill_tree(root: int) -> None:
    """SIGKILL for ``root`` and its descendants (a build that ran out of time)."""
    for pid in reversed(tree_pids(root)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _identity(pid: int) -> tuple[int, int] | None:
    """(session id, start time) of ``pid``: a pid is only reused with another start time."""
    try:
        fields = _stat_fields(pid)
        return int(fields[3]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Ends ``process`` and every descendant of it: SIGTERM (a preview stops as on Ctrl+C),
    then SIGKILL, after ``grace`` seconds, for what is left of its tree as it was and of its
    session. ``process`` must have been started with ``start_new_session=True``."""
    started = {pid: _identity(pid) for pid in tree_pids(process.pid)} if process.poll() is None else {}
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    session = {}
    for name in os.listdir("/proc"):
        identity = _identity(int(name)) if name.isdigit() else None
        if identity and identity[0] == process.pid:
            session[int(name)] = identity
    for pid, identity in {**started, **session}.items():
        if identity is not None and _identity(pid) == identity:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    process.wait()
