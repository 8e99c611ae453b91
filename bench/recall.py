"""Japanese search recall and precision, measured through the site's search page in Chromium.

    .venv/bin/python bench/recall.py [--items 1000] [--work bench/out] [--no-write]

Uses the sites ``bench/run.py`` left in ``--work``, building them when they are missing or
were built from other items, theme or code than this checkout's (a digest of what ours
was built from is kept in its project, ``.recall-sources``, which ``run.py`` removes):
ours and the plain MkDocs + Material baseline (``search`` plugin, ``lang: ja``). Each query of
``bench/queries.py`` (at least 60, by the kind of thing readers type) is typed as a reader
would: our site's ``/search/?q=…`` is opened in headless Chromium (served on 127.0.0.1)
and every result is listed (さらに表示 pressed until none is left), in the order shown.
Material's lunr runs in Node with its own search worker (``bench/search_query.mjs``) for
comparison, on recall only.

Which item pages a query should find comes from the generated items alone
(``queries.relevant``: title, summary, body without Markdown, and the facts the page
shows, in NFKC). The built pages are read too (``tests.served_site.item_texts``: the
content region, as the index's own tests read it), only to tell why a page was missed or
shown: whether its page shows the query at all.

*Recall*: relevant item pages found / relevant item pages. *Precision@5*: of the first
five results shown (all of them, when fewer are shown), the share that are relevant item
pages, averaged over the queries; a query that shows nothing counts 0. *Other*: item
pages shown that are not relevant.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path
import queries  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path
import recall_report  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path
import run  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path

from tests.served_site import chromium, item_texts, serve  # noqa: E402 the repository joins sys.path above

START, END = "<!-- recall:start -->", "<!-- recall:end -->"
# What our build reads besides the items: a site built before any of it changed is rebuilt.
SOURCES = [
    generate.REPO / "site_builder",
    generate.REPO / "theme",
    generate.REPO / "content",
    generate.REPO / "mkdocs.yml",
]


def ensure_sites(n: int, work: Path) -> tuple[Path, Path]:
    """Our site and the MkDocs baseline of ``n`` items in ``work``, (re)built unless current."""
    project, baseline = work / f"n{n}" / "project", work / f"n{n}" / "baseline-one"
    items = generate.generate_items(n)
    stamp, digest = project / ".recall-sources", sources_digest(items)
    if not (project / "site" / "pagefind").is_dir() or not stamp.is_file() or stamp.read_text() != digest:
        generate.write_project(project, items)
        subprocess.run([run.SITE_BUILDER, "build", "--now", generate.NOW, "--quiet"], cwd=project, check=True)
        stamp.write_text(digest)
    docs = {baseline / "docs" / item.baseline_path: item_markdown(item) for item in items}
    index = baseline / "site" / "search" / "search_index.json"
    if not index.is_file() or any(not p.is_file() or p.read_text(encoding="utf-8") != t for p, t in docs.items()):
        generate.write_baseline(baseline, items, "one")
        subprocess.run([run.PYTHON, "-m", "mkdocs", "build", "--quiet"], cwd=baseline, check=True)
    return project / "site", baseline / "site"


def sources_digest(items: list[generate.Item]) -> str:
    """A digest of what our build of ``items`` reads: the items, and this checkout's code,
    theme, pages and config. Kept in the project (``.recall-sources``) once built."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(f"{item.path}\0{generate.file_text(item)}\0".encode())
    for source in SOURCES:
        for path in sorted([source] if source.is_file() else source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(generate.REPO)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def item_markdown(item: generate.Item) -> str:
    """The page ``generate.write_baseline`` writes for ``item``."""
    return f"# {item.title}\n\n{item.front['summary']}\n\n{generate.baseline_links(item.body)}"


def search_page(site: Path, asked: list[str]) -> dict[str, list[str]]:
    """Every query through ``/search/?q=…`` in Chromium: the result paths in the order shown."""
    found = {}
    with serve(site) as base, chromium("--window-size=1280,900") as driver:
        for query in asked:
            driver.get(f"{base}/search/?{urllib.parse.urlencode({'q': query})}")
            found[query] = all_results(driver)
            errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
            if errors:
                raise RuntimeError(f"{query}: the search page logged {errors}")
    return found


def all_results(driver) -> list[str]:
    """The results of the search the page runs, after pressing さらに表示 until all are shown."""
    status = "document.getElementById('sb-search-status')"
    wait(driver, f"return {status}.dataset.done === 'true'")
    while driver.execute_script("return !document.getElementById('sb-search-more').hidden"):
        shown = driver.execute_script("return document.querySelectorAll('#sb-search-results .sb-result').length")
        driver.execute_script("document.getElementById('sb-search-more').click()")
        wait(driver, f"return document.querySelectorAll('#sb-search-results .sb-result').length > {shown}")
    links = driver.execute_script(
        "return [...document.querySelectorAll('#sb-search-results .sb-result .sb-result__link')].map(a => a.href)"
    )
    count = int(driver.execute_script(f"return {status}.dataset.count"))
    if count != len(links):
        raise RuntimeError(f"{driver.current_url}: the page counts {count} results but lists {len(links)}")
    return [urllib.parse.urlsplit(link).path for link in links]


def wait(driver, condition: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(condition):
        if time.monotonic() > deadline:
            raise TimeoutError(condition)
        time.sleep(0.02)


def material(site: Path, asked: list[str]) -> dict[str, set[str]]:
    """The pages Material's own search worker finds for each query, in Node."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as listed:
        json.dump(asked, listed, ensure_ascii=False)
        listed.flush()
        result = subprocess.run(
            ["node", str(HERE / "search_query.mjs"), "material", str(site), listed.name],
            capture_output=True,
            text=True,
            check=True,
        )
    return {query: set(pages) for query, pages in json.loads(result.stdout).items()}


def on_pages(texts: dict[str, str], asked: list[str]) -> dict[str, set[str]]:
    """``{query: the item pages whose content region holds it}`` (each word, for a query with spaces)."""
    return {
        query: {
            url for url, text in texts.items() if all(w in text for w in unicodedata.normalize("NFKC", query).split())
        }
        for query in asked
    }


def write_section(text: str) -> None:
    """Puts ``text`` between the recall markers of bench/results.md."""
    current = run.RESULTS.read_text(encoding="utf-8") if run.RESULTS.exists() else "# Benchmark results\n"
    if START not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    run.RESULTS.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    asked = [query for _, query in queries.QUERIES]
    items = generate.generate_items(args.items)
    wanted = queries.relevant(items, asked)
    empty = [query for query in asked if not wanted[query]]
    if empty:
        raise SystemExit(f"queries that no generated item contains: {', '.join(empty)}")
    ours, baseline = ensure_sites(args.items, args.work.resolve())
    shown = search_page(ours, asked)
    # Every item page, and the other pages shown: read to tell whether each holds its query.
    folders = {url.rstrip("/").rsplit("/", 1)[0] + "/" for urls in shown.values() for url in urls}
    held = on_pages(item_texts(ours, tuple(sorted(folders | set(recall_report.ITEMS)))), asked)
    measured = recall_report.Measured(
        items={item.url: item for item in items},
        wanted=wanted,
        shown=shown,
        on_page={query: {url for url in urls if url.startswith(recall_report.ITEMS)} for query, urls in held.items()},
        holding={query: urls & set(shown[query]) for query, urls in held.items()},
        lunr=material(baseline, asked),
    )
    text = recall_report.section(args.items, measured)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
