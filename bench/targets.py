"""The targets of the performance work, judged from one run's numbers: ``bench/run.py``
writes this block into bench/results.md, so no verdict there is typed by hand.

``results``: item count → run name (``cold``, ``warm``, ``hugo``, ...) → a ``run.Run``;
``latency``: item count → ``ours`` / ``hugo`` → a ``preview_latency.Latency``.
"""

from __future__ import annotations

PREVIEW = {1000: 1.0, 5000: 1.5}  # median save → updated page, seconds
BUILD_VS_HUGO = 4.0  # ours cold / Hugo cold at 5,000
MEMORY_MB = 600  # tree peak at 5,000
LARGE_MEMORY_MB = 1.5 * 1024  # tree peak at 20,000 (1.5 GiB: every MB here is 2**20 bytes)
LARGE_GROWTH = 4.5  # ours cold 20,000 / 5,000


def _line(target: str, ok: bool | None, figures: str) -> str:
    verdict = "not measured" if ok is None else "met" if ok else "not met"
    return f"- **{target}: {verdict}**" + (f" ({figures})" if figures else "") + "."


def _ok(run) -> bool:
    return run is not None and run.error is None


def preview_lines(latency: dict) -> list[str]:
    lines = []
    for n, limit in PREVIEW.items():
        target = f"Preview: median save → updated page ≤ {limit:.1f} s at {n:,} items"
        runs = latency.get(n)
        if not runs:
            lines.append(_line(target, None, "`make bench` measures it"))
            continue
        ours, hugo = runs["ours"], runs.get("hugo")
        median, slowest = ours.median, max(ours.seen, default=None)
        parts = [] if median is None else [f"ours {median:.2f} s"]
        parts += [] if slowest is None else [f"slowest {slowest:.2f} s"]
        parts += [f"{ours.timeouts} of {len(ours.seconds)} saves timed out"] if ours.timeouts else []
        figures = ", ".join(parts)
        if hugo is not None and hugo.median is not None:
            figures += f"; hugo server {hugo.median:.2f} s"
        lines.append(_line(target, median is not None and median <= limit, figures))
    return lines


def build_lines(results: dict) -> list[str]:
    runs = results.get(5000, {})
    cold, warm, hugo = runs.get("cold"), runs.get("warm"), runs.get("hugo")
    target = f"Full build, cold, ≤ {BUILD_VS_HUGO:.0f}× Hugo's time at 5,000 items"
    if not (_ok(cold) and _ok(hugo)):
        lines = [_line(target, None if not runs else False, "a build failed" if runs else "")]
    else:
        ratio = cold.seconds / hugo.seconds
        figures = f"ours {cold.seconds:.1f} s, Hugo {hugo.seconds:.2f} s: {ratio:.1f}×"
        lines = [_line(target, ratio <= BUILD_VS_HUGO, figures)]
    target = f"Peak memory of the process tree ≤ {MEMORY_MB} MB at 5,000 items"
    measured = [run for run in (cold, warm) if run is not None]
    peak = max((run.tree_mb for run in measured), default=None)
    figures = ", ".join(f"{name} {run.tree_mb:,.0f} MB" for name, run in (("cold", cold), ("warm", warm)) if run)
    lines.append(_line(target, None if peak is None else peak <= MEMORY_MB, figures))
    return lines


def large_lines(results: dict, large: bool) -> list[str]:
    targets = [
        "20,000 items: the build finishes",
        f"20,000 items: peak memory of the process tree ≤ {LARGE_MEMORY_MB / 1024:.1f} GB",
        f"20,000 items: time grows ≤ {LARGE_GROWTH}× from 5,000",
    ]
    if not large or 20000 not in results:
        return [_line(target, None, "`make bench LARGE=1` measures it") for target in targets]
    runs, base = results[20000], results.get(5000, {})
    cold, warm = runs.get("cold"), runs.get("warm")
    finished = _ok(cold) and _ok(warm)
    times = ", ".join(f"{name} {run.seconds:.1f} s" for name, run in (("cold", cold), ("warm", warm)) if _ok(run))
    lines = [_line(targets[0], finished, times or "both builds failed")]
    peak = max(run.tree_mb for run in (cold, warm) if run is not None)
    lines.append(_line(targets[1], finished and peak <= LARGE_MEMORY_MB, f"{peak:,.0f} MB"))
    growth = {
        name: runs[key].seconds / base[key].seconds
        for key, name in (("cold", "cold"), ("warm", "warm"))
        if _ok(runs.get(key)) and _ok(base.get(key))
    }
    figures = ", ".join(f"{name} {value:.1f}×" for name, value in growth.items())
    lines.append(_line(targets[2], "cold" in growth and growth["cold"] <= LARGE_GROWTH, figures))
    return lines


def block(results: dict, latency: dict, large: bool) -> str:
    """The targets as met / not met / not measured, each with its figures from this run."""
    return "\n".join([*preview_lines(latency), *build_lines(results), *large_lines(results, large)])
