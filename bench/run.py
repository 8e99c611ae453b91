"""Time ``site-builder build`` against plain MkDocs + Material on the same bodies.

    .venv/bin/python bench/run.py [--sizes 100,1000,5000] [--work bench/out] [--no-write]

For each N: ``bench/generate.py`` writes a project with N items and the plain
MkDocs baseline of the same bodies (Material, ``navigation.prune``, search with
``lang: ja``, a one-entry nav). Then, one after another as subprocesses:

* ours, cold: ``site-builder build`` with no ``.cache/`` and no previous ``site/``;
* ours, warm: the same command again (Markdown cache and previous output present);
* baseline: ``python -m mkdocs build`` of the plain project.

Wall time is measured around each subprocess. Memory is reported two ways:
``tree`` is the peak of the *sum* of the RSS of every process in the command's
process tree, sampled from ``/proc`` every 20 ms (what the machine must hold);
``max1`` is ``ru_maxrss`` from ``wait4``, i.e. the largest single process in
the tree (Linux folds reaped descendants into it; it is what ``/usr/bin/time -v``
prints). The table goes to stdout and, unless ``--no-write``, between the
timing markers of ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path

PYTHON = sys.executable
SITE_BUILDER = str(Path(PYTHON).with_name("site-builder"))
RESULTS = HERE / "results.md"
START, END = "<!-- timing:start -->", "<!-- timing:end -->"


@dataclass
class Run:
    seconds: float
    tree_mb: float
    max1_mb: float


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(name))
    return tree


def _tree_rss(root: int) -> int:
    """Sum of the resident set sizes (bytes) of ``root`` and its descendants."""
    tree, total, stack = _children(), 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        stack += tree.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except OSError:
            pass
    return total


def measure(command: list[str], cwd: Path, timeout: float) -> Run:
    output = tempfile.TemporaryFile()  # noqa: SIM115 read back and closed after the process ends
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss(process.pid))
            if time.perf_counter() - started > timeout:
                process.kill()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4's rusage covers the child and the descendants it reaped: ru_maxrss is
    # the largest single process of the tree, in KiB.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if process.returncode != 0:
        output.seek(0)
        raise SystemExit(
            f"failed ({process.returncode}): {' '.join(command)}\n{output.read().decode(errors='replace')}"
        )
    return Run(seconds, peak / 2**20, usage.ru_maxrss / 1024)


def bench_size(n: int, work: Path, timeout: float, now: str, baselines: list[str]) -> dict[str, Run]:
    project = work / f"n{n}" / "project"
    items = generate.generate_items(n)
    generate.write_project(project, items)
    ours = [SITE_BUILDER, "build", "--now", now, "--quiet"]
    runs = {"cold": measure(ours, project, timeout)}
    print(f"  N={n}: ours cold {runs['cold'].seconds:.1f} s", file=sys.stderr, flush=True)
    runs["warm"] = measure(ours, project, timeout)
    print(f"  N={n}: ours warm {runs['warm'].seconds:.1f} s", file=sys.stderr, flush=True)
    for nav in baselines:
        baseline = work / f"n{n}" / f"baseline-{nav}"
        generate.write_baseline(baseline, items, nav)
        runs[nav] = measure([PYTHON, "-m", "mkdocs", "build", "--quiet"], baseline, timeout)
        print(f"  N={n}: mkdocs, nav {nav} {runs[nav].seconds:.1f} s", file=sys.stderr, flush=True)
    return runs


NAV_LABEL = {"all": "MkDocs, pruned nav", "one": "MkDocs, one-entry nav"}


def table(results: dict[int, dict[str, Run]]) -> str:
    navs = [nav for nav in NAV_LABEL if any(nav in runs for runs in results.values())]
    head = ["N", "ours cold (s)", "ours warm (s)"]
    for nav in navs:
        head += [f"{NAV_LABEL[nav]} (s)", f"ratio vs {nav} (cold / warm)"]
    head += ["ours peak MB (tree / max1)"] + [f"{NAV_LABEL[nav]} peak MB (tree / max1)" for nav in navs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for n, r in sorted(results.items()):
        cold, warm = r["cold"], r["warm"]
        row = [f"{n:,}", f"{cold.seconds:.1f}", f"{warm.seconds:.1f}"]
        for nav in navs:
            base = r.get(nav)
            row += (
                [f"{base.seconds:.1f}", f"{base.seconds / cold.seconds:.1f}× / {base.seconds / warm.seconds:.1f}×"]
                if base
                else ["–", "–"]
            )
        row.append(f"{max(cold.tree_mb, warm.tree_mb):.0f} / {max(cold.max1_mb, warm.max1_mb):.0f}")
        row += [f"{r[nav].tree_mb:.0f} / {r[nav].max1_mb:.0f}" if nav in r else "–" for nav in navs]
        lines.append("| " + " | ".join(row) + " |")
    if 1000 in results and 5000 in results:
        growth = [
            f"{label} {results[5000][key].seconds / results[1000][key].seconds:.1f}×"
            for key, label in [("cold", "ours cold"), ("warm", "ours warm"), *[(nav, NAV_LABEL[nav]) for nav in navs]]
            if key in results[1000] and key in results[5000]
        ]
        lines += ["", "Growth 1,000 → 5,000 items: " + ", ".join(growth) + "."]
    return "\n".join(lines)


def environment() -> str:
    import markdown
    import material
    import mkdocs

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    pagefind = subprocess.run(
        [PYTHON, "-m", "pagefind_bin", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{os.cpu_count()} × {cpu}, Python {platform.python_version()}, MkDocs {mkdocs.__version__}, "
        f"Material {material.__version__}, Markdown {markdown.__version__}, {pagefind or 'pagefind ?'}"
    )


def write_results(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    if START not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    tail = rest.split(END, 1)[1]
    RESULTS.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated item counts")
    parser.add_argument(
        "--work", type=Path, default=HERE / "out", help="where projects and sites go (kept for bench/recall.py)"
    )
    parser.add_argument(
        "--baselines",
        default="all,one",
        help="MkDocs baselines: all (every page in the nav, pruned) and/or one (one-entry nav)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per build")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/results.md")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    for n in sizes:
        print(f"N={n}: generating and building", file=sys.stderr, flush=True)
        results[n] = bench_size(n, args.work.resolve(), args.timeout, generate.NOW, args.baselines.split(","))
    text = f"Measured {time.strftime('%Y-%m-%d')} on {environment()}.\n\n{table(results)}"
    print(text)
    if not args.no_write:
        write_results(text)


if __name__ == "__main__":
    main()
