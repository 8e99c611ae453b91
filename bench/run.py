"""Every measurement of bench/results.md in one run: ours, Hugo, MkDocs, the live preview.

    .venv/bin/python bench/run.py [--large] [--sizes 1000,5000] [--edits 10] [--no-latency] [--no-write]

For each N (1,000 and 5,000; ``--large`` adds 20,000): ``bench/generate.py`` writes a
project of N items, ``bench/hugo_site.py`` a minimal Hugo project of the same items and
bodies, and the plain MkDocs + Material baselines of the same bodies are written where
they are measured (one-entry nav at 1,000 and 5,000; pruned nav, every page in the
navigation, at 1,000, and at 5,000 with ``--large``: about 5 minutes). Then, one after
another as subprocesses:

* ours, cold: ``site-builder build --now NOW --quiet`` with no ``.cache/`` and no ``site/``;
* ours, warm: the same command again (its cache and previous output present);
* Hugo, cold: ``hugo --quiet`` with no ``public/``, ``resources/`` or cache folder;
* MkDocs: ``python -m mkdocs build --quiet`` of each baseline;
* the live preview at 1,000 and 5,000 (``bench/preview_latency.py``): ``site-builder
  serve`` and ``hugo server``, save → updated page, ``--edits`` saves each.

Wall time is measured around each subprocess. Memory is reported two ways:
``tree`` is the peak of the *sum* of the RSS of every process in the command's
process tree, sampled from ``/proc`` every 20 ms (what the machine must hold);
``max1`` is ``ru_maxrss`` from ``wait4``, i.e. the largest single process in
the tree (Linux folds reaped descendants into it; it is what ``/usr/bin/time -v``
prints). Ratios are computed from this run only. The tables and the targets go to
stdout and, unless ``--no-write``, between their markers in ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import itertools
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

import generate  # noqa: E402 imported after bench/ joins sys.path
import hugo_site  # noqa: E402 imported after bench/ joins sys.path
import preview_latency  # noqa: E402 imported after bench/ joins sys.path
import proctree  # noqa: E402 imported after bench/ joins sys.path
import targets  # noqa: E402 imported after bench/ joins sys.path

PYTHON = sys.executable
SITE_BUILDER = str(Path(PYTHON).with_name("site-builder"))
RESULTS = HERE / "results.md"
SECTIONS = {
    "timing": ("<!-- timing:start -->", "<!-- timing:end -->"),
    "latency": ("<!-- latency:start -->", "<!-- latency:end -->"),
    "targets": ("<!-- targets:start -->", "<!-- targets:end -->"),
}
DEFAULT_SIZES, LARGE = [1000, 5000], 20000
LATENCY_LIMIT = 5000  # the preview is measured up to this size (the targets name 1,000 and 5,000)
LOAD: list[float] = []  # the machine's 1-minute load average after each measurement: how noisy the run was


@dataclass
class Run:
    seconds: float
    tree_mb: float
    max1_mb: float
    error: str | None = None  # the command failed (or timed out): its last output


@dataclass
class Output:
    html: int
    files: int


def measure(command: list[str], cwd: Path, timeout: float) -> Run:
    """Runs ``command`` in ``cwd``: its wall time and peak memory; killed after ``timeout`` seconds."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 read back and closed after the process ends
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    watchdog = threading.Timer(timeout, proctree.kill_tree, [process.pid])
    watchdog.start()
    with proctree.PeakSampler(process.pid) as sampler:
        # wait4's rusage covers the child and the descendants it reaped: ru_maxrss is
        # the largest single process of the tree, in KiB.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    watchdog.cancel()
    LOAD.append(os.getloadavg()[0])
    process.returncode = os.waitstatus_to_exitcode(status)
    run = Run(seconds, sampler.peak / 2**20, usage.ru_maxrss / 1024)
    if process.returncode != 0:
        output.seek(0)
        run.error = f"exit {process.returncode}: {output.read().decode(errors='replace')[-3000:]}"
        print(f"  failed: {' '.join(command)}\n{run.error}", file=sys.stderr, flush=True)
    output.close()
    return run


def output(folder: Path) -> Output:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return Output(sum(path.suffix == ".html" for path in files), len(files))


def baselines_for(n: int, large: bool) -> list[str]:
    """MkDocs baselines measured at ``n``: one-entry nav up to 5,000; pruned nav at 1,000
    (and at 5,000 with ``--large``: about 5 minutes). None at 20,000."""
    navs = ["one"] if n <= 5000 else []
    if n <= 1000 or (large and n <= 5000):
        navs.append("all")
    return navs


def bench_size(n: int, work: Path, timeout: float, navs: list[str]) -> tuple[dict[str, Run], dict[str, Output]]:
    project, hugo = work / f"n{n}" / "project", work / f"n{n}" / "hugo"
    items = generate.generate_items(n)
    generate.write_project(project, items)
    hugo_site.write_hugo(hugo, items)
    ours = [SITE_BUILDER, "build", "--now", generate.NOW, "--quiet"]
    runs, outputs = {}, {}
    for key, label in (("cold", "ours cold"), ("warm", "ours warm")):
        runs[key] = measure(ours, project, timeout)
        print(f"  N={n}: {label} {runs[key].seconds:.1f} s", file=sys.stderr, flush=True)
    outputs["ours"] = output(project / "site")
    hugo_site.clean(hugo)
    runs["hugo"] = measure(hugo_site.build_command(hugo), hugo, timeout)
    outputs["hugo"] = output(hugo / "public")
    print(f"  N={n}: hugo {runs['hugo'].seconds:.2f} s", file=sys.stderr, flush=True)
    for nav in navs:
        baseline = work / f"n{n}" / f"baseline-{nav}"
        generate.write_baseline(baseline, items, nav)
        runs[nav] = measure([PYTHON, "-m", "mkdocs", "build", "--quiet"], baseline, timeout)
        outputs[nav] = output(baseline / "site")
        print(f"  N={n}: mkdocs, nav {nav} {runs[nav].seconds:.1f} s", file=sys.stderr, flush=True)
    return runs, outputs


NAV_LABEL = {"one": "MkDocs, one-entry nav", "all": "MkDocs, pruned nav"}
LABELS = {"cold": "ours cold", "warm": "ours warm", "hugo": "Hugo", **NAV_LABEL}
OUTPUT_LABELS = {"ours": "ours", "hugo": "Hugo", **NAV_LABEL}


def _time(run: Run | None) -> str:
    if run is None:
        return "–"
    return "failed" if run.error else f"{run.seconds:.2f}" if run.seconds < 10 else f"{run.seconds:.1f}"


def _memory(run: Run | None) -> str:
    return "–" if run is None else f"{run.tree_mb:,.0f} / {run.max1_mb:,.0f}"


def _ratio(ours: Run, hugo: Run | None) -> str:
    if hugo is None or ours.error or hugo.error:
        return "–"
    return f"{ours.seconds / hugo.seconds:.1f}×"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(results: dict[int, dict[str, Run]]) -> str:
    """Build times (seconds) and ratios, then peak memory (MB) of every build."""
    keys = [key for key in LABELS if any(key in runs for runs in results.values())]
    navs = [key for key in keys if key in NAV_LABEL]
    head = ["N", "ours cold (s)", "ours warm (s)", "Hugo (s)", "ours / Hugo (cold / warm)"]
    head += [f"{NAV_LABEL[nav]} (s)" for nav in navs]
    times = [_row(head), "|" + "---:|" * len(head)]
    memory = [_row(["N", *(LABELS[key] for key in keys)]), "|" + "---:|" * (len(keys) + 1)]
    for n, r in sorted(results.items()):
        row = [f"{n:,}", _time(r["cold"]), _time(r["warm"]), _time(r.get("hugo"))]
        row.append(f"{_ratio(r['cold'], r.get('hugo'))} / {_ratio(r['warm'], r.get('hugo'))}")
        times.append(_row(row + [_time(r.get(nav)) for nav in navs]))
        memory.append(_row([f"{n:,}", *(_memory(r.get(key)) for key in keys)]))
    lines = [*times, "", "Peak memory, MB (tree / max1):", "", *memory]
    sizes = sorted(results)
    for small, large in itertools.pairwise(sizes):
        growth = [
            f"{LABELS[key]} {results[large][key].seconds / results[small][key].seconds:.1f}×"
            for key in keys
            if key in results[small] and key in results[large]
            if not (results[small][key].error or results[large][key].error)
        ]
        if growth:
            lines += ["", f"Growth {small:,} → {large:,} items: " + ", ".join(growth) + "."]
    return "\n".join(lines)


def outputs_line(outputs: dict[int, dict[str, Output]]) -> str:
    n = max(outputs)
    parts = [f"{OUTPUT_LABELS[key]} {o.html:,} HTML pages of {o.files:,} files" for key, o in outputs[n].items()]
    return f"Written at N = {n:,}: " + "; ".join(parts) + "."


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
    loads = LOAD or [os.getloadavg()[0]]
    return (
        f"{os.cpu_count()} × {cpu} (1-minute load average {min(loads):.1f}–{max(loads):.1f} after the measurements), "
        f"Python {platform.python_version()}, "
        f"{hugo_site.hugo_version()}, MkDocs {mkdocs.__version__}, Material {material.__version__}, "
        f"Markdown {markdown.__version__}, {pagefind or 'pagefind ?'}"
    )


def write_section(name: str, text: str) -> None:
    start, end = SECTIONS[name]
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start not in current:
        current += f"\n{start}\n{end}\n"
    head, rest = current.split(start, 1)
    RESULTS.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="add 20,000 items and MkDocs' pruned nav at 5,000")
    parser.add_argument("--sizes", help="comma-separated item counts instead of 1000,5000 (and 20000 with --large)")
    parser.add_argument("--edits", type=int, default=10, help="saves per preview server and size")
    parser.add_argument("--no-latency", action="store_true", help="leave out the live preview")
    parser.add_argument(
        "--work", type=Path, default=HERE / "out", help="where projects and sites go (kept for bench/recall.py)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per build")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/results.md")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES + [LARGE] * args.large
    work = args.work.resolve()
    results, outputs, latency = {}, {}, {}
    for n in sizes:
        print(f"N={n}: generating and building", file=sys.stderr, flush=True)
        results[n], outputs[n] = bench_size(n, work, args.timeout, baselines_for(n, args.large))
        if not args.no_latency and n <= LATENCY_LIMIT:
            print(f"N={n}: preview latency", file=sys.stderr, flush=True)
            latency[n] = preview_latency.measure_size(n, work, args.edits, preview_latency.TIMEOUT)
            LOAD.append(os.getloadavg()[0])
    sections = {
        "timing": f"Measured {time.strftime('%Y-%m-%d')} on {environment()}.\n\n{table(results)}\n\n"
        + outputs_line(outputs),
        "latency": preview_latency.table(latency, args.edits, preview_latency.TIMEOUT)
        if latency
        else "Not measured in this run.",
        "targets": targets.block(results, latency, large=LARGE in results),
    }
    for name, text in sections.items():
        print(f"\n{text}")
        if not args.no_write:
            write_section(name, text)


if __name__ == "__main__":
    main()
