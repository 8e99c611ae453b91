"""Japanese search recall: Pagefind on our site vs Material's lunr on the baseline.

    .venv/bin/python bench/recall.py [--items 1000] [--work bench/out] [--no-write]

Uses the sites ``bench/run.py`` left in ``--work`` (building them when missing):
ours (Pagefind's search code over the index site_builder/site/search/bundle.py writes)
and the plain MkDocs + Material baseline (``search`` plugin, ``lang: ja``).
``bench/search_query.mjs`` runs every query in Node with each site's own browser search
code (ours: the query turned into terms by the site's assets/search.js, as its search
page does). A page is *relevant* to a query
when the query occurs in its title, summary or body as generated; recall is the
share of relevant item pages a search returns, and "other" counts returned item
pages that do not contain the query (our pages also index their facts: partners,
wards, tags).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path
import run  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path

START, END = "<!-- recall:start -->", "<!-- recall:end -->"
LABELS = {
    "site": "Pagefind, our index and search page",
    "material": "Material lunr `ja` (baseline)",
}
# Words from the generated bodies: kanji compounds, katakana, okurigana, mixed script.
QUERIES = [
    "子ども食堂",
    "防災マップ",
    "多文化共生",
    "空き家",
    "フードバンク",
    "商店街",
    "プログラミング",
    "認知症",
    "見守り",
    "里山",
    "やさしい日本語",
    "乗合タクシー",
    "避難所",
]


def ensure_sites(n: int, work: Path) -> tuple[Path, Path]:
    project, baseline = work / f"n{n}" / "project", work / f"n{n}" / "baseline-one"
    items = generate.generate_items(n)
    if not (project / "site" / "pagefind").is_dir():
        generate.write_project(project, items)
        subprocess.run([run.SITE_BUILDER, "build", "--now", generate.NOW, "--quiet"], cwd=project, check=True)
    if not (baseline / "site" / "search" / "search_index.json").is_file():
        generate.write_baseline(baseline, items, "one")
        subprocess.run([run.PYTHON, "-m", "mkdocs", "build", "--quiet"], cwd=baseline, check=True)
    return project / "site", baseline / "site"


def relevant(n: int) -> dict[str, set[str]]:
    items = generate.generate_items(n)
    texts = {item.url: f"{item.title}\n{item.front['summary']}\n{item.body}" for item in items}
    return {query: {url for url, text in texts.items() if query in text} for query in QUERIES}


def search(mode: str, site: Path) -> dict[str, set[str]]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as queries:
        json.dump(QUERIES, queries, ensure_ascii=False)
        queries.flush()
        result = subprocess.run(
            ["node", str(HERE / "search_query.mjs"), mode, str(site), queries.name],
            capture_output=True,
            text=True,
            check=True,
        )
    return {query: set(pages) for query, pages in json.loads(result.stdout).items()}


def table(n: int, wanted: dict[str, set[str]], found: dict[str, dict[str, set[str]]]) -> str:
    items = {item.url for item in generate.generate_items(n)}
    lines = [
        f"N = {n:,} items; {len(QUERIES)} queries. Recall = relevant item pages found / relevant item pages.",
        "",
        "| query | relevant | " + " | ".join(f"{LABELS[mode]} found (other)" for mode in found) + " |",
        "|---|---:|" + "---:|" * len(found),
    ]
    totals = {mode: 0 for mode in found}
    for query in QUERIES:
        cells = []
        for mode in found:
            hits = found[mode][query] & items
            totals[mode] += len(hits & wanted[query])
            cells.append(f"{len(hits & wanted[query])} ({len(hits - wanted[query])})")
        lines.append(f"| {query} | {len(wanted[query])} | " + " | ".join(cells) + " |")
    total = sum(len(pages) for pages in wanted.values())
    summary = " | ".join(f"**{100 * totals[mode] / total:.0f} %**" for mode in found)
    lines.append(f"| **recall** | {total} | {summary} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    ours, baseline = ensure_sites(args.items, args.work.resolve())
    found = {"site": search("site", ours), "material": search("material", baseline)}
    text = table(args.items, relevant(args.items), found)
    print(text)
    if not args.no_write:
        current = run.RESULTS.read_text(encoding="utf-8") if run.RESULTS.exists() else "# Benchmark results\n"
        if START not in current:
            current += f"\n{START}\n{END}\n"
        head, rest = current.split(START, 1)
        run.RESULTS.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


if __name__ == "__main__":
    main()
