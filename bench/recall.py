"""Japanese search recall and precision, measured through the site's search page in Chromium.

    .venv/bin/python bench/recall.py [--items 1000] [--work bench/out] [--no-write]

Uses the sites ``bench/run.py`` left in ``--work`` (building them when missing): ours
and the plain MkDocs + Material baseline (``search`` plugin, ``lang: ja``). Each query of
:data:`QUERIES` (at least 60, by the kind of thing readers type) is typed as a reader
would: our site's ``/search/?q=…`` is opened in headless Chromium (served on 127.0.0.1),
every result is listed (さらに表示 pressed until none is left) in the order shown.
Material's lunr runs in Node with its own search worker (``bench/search_query.mjs``) for
comparison, on recall only.

A page is *relevant* to a query when it is an item page (a case, event or news item)
whose text as shown contains the query after NFKC (a query with spaces: each of its
words): the content region of the built page (what ``data-pagefind-body`` marks, without
what ``data-pagefind-ignore`` marks), read with lxml, which holds the title, summary and
body and the item's facts: wards in kanji, partners, case and event status, series and
tags. Nothing of the search index's code decides it.

*Recall*: relevant item pages found / relevant item pages. *Precision@5*: of the first
five results shown (or all, when fewer), the share that are relevant item pages; a query
that shows nothing counts 0. *Other*: item pages shown that do not contain the query.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path
import run  # noqa: E402 bench/ is not a package: imported after its folder joins sys.path

from tests.served_site import chromium, item_texts, serve  # noqa: E402 the repository joins sys.path above

START, END = "<!-- recall:start -->", "<!-- recall:end -->"
ITEMS = ("/cases/", "/events/", "/news/")
# (kind, query). The first 13 are the queries of the earlier benchmark.
QUERIES = [
    ("kanji compound", "子ども食堂"),
    ("kanji compound", "防災マップ"),
    ("kanji compound", "多文化共生"),
    ("kanji compound", "空き家"),
    ("katakana", "フードバンク"),
    ("kanji compound", "商店街"),
    ("katakana", "プログラミング"),
    ("kanji compound", "認知症"),
    ("kanji compound", "見守り"),
    ("kanji compound", "里山"),
    ("hiragana", "やさしい日本語"),
    ("kanji compound", "乗合タクシー"),
    ("kanji compound", "避難所"),
    ("kanji compound", "大学生"),
    ("kanji compound", "移動支援"),
    ("kanji compound", "学習支援"),
    ("kanji compound", "地域猫"),
    ("kanji compound", "谷戸田"),
    ("kanji compound", "要援護者名簿"),
    ("kanji compound", "二酸化炭素"),
    ("katakana", "リノベーション"),
    ("katakana", "ワークショップ"),
    ("katakana", "マルシェ"),
    ("katakana", "チャレンジショップ"),
    ("katakana", "プレーパーク"),
    ("katakana", "コーディネーター"),
    ("katakana", "キャッシュレス"),
    ("hiragana", "ささえあい"),
    ("hiragana", "つながり"),
    ("hiragana", "ひだまり"),
    ("hiragana", "ひきこもり"),
    ("hiragana", "まちづくり"),
    ("mixed script", "NPO法人"),
    ("mixed script", "SDGs"),
    ("mixed script", "IT"),
    ("mixed script", "スペースA・B"),
    ("mixed script", "目標11"),
    ("ward", "鶴見区"),
    ("ward", "鶴見"),
    ("ward", "保土ケ谷区"),
    ("ward", "金沢区"),
    ("ward", "港北"),
    ("ward", "市内全域"),
    ("series", "トライアルスタジオ"),
    ("series", "みらいリンクフォーラム"),
    ("series", "オープンダイアログ"),
    ("series", "パブリックアクション"),
    ("partner", "地区社会福祉協議会"),
    ("partner", "地域連携センター"),
    ("partner", "自治会"),
    ("partner", "地域振興課"),
    ("partner", "たまプラーザ"),
    ("status", "中止"),
    ("status", "延期"),
    ("status", "オンライン開催に変更"),
    ("status", "実施中"),
    ("status", "検討中"),
    ("width variant", "ＮＰＯ法人"),
    ("width variant", "ｺﾐｭﾆﾃｨﾊｳｽ"),
    ("width variant", "ＳＤＧｓ"),
    ("width variant", "ﾌｰﾄﾞﾊﾞﾝｸ"),
    ("width variant", "３か月"),
    ("two words", "子ども食堂 学習支援"),
    ("two words", "防災 訓練"),
    ("two words", "空き家 相談会"),
    ("two words", "認知症 カフェ"),
    ("two words", "商店街 マルシェ"),
]
KINDS = list(dict.fromkeys(kind for kind, _ in QUERIES))


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


def relevant(texts: dict[str, str]) -> dict[str, set[str]]:
    wanted = {}
    for _, query in QUERIES:
        words = unicodedata.normalize("NFKC", query).split()
        wanted[query] = {url for url, text in texts.items() if all(word in text for word in words)}
    return wanted


def search_page(site: Path) -> dict[str, list[str]]:
    """Every query through ``/search/?q=…`` in Chromium: the result paths in the order shown."""
    found = {}
    with serve(site) as base, chromium("--window-size=1280,900") as driver:
        for _, query in QUERIES:
            driver.get(f"{base}/search/?{urllib.parse.urlencode({'q': query})}")
            found[query] = all_results(driver)
            errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
            if errors:
                raise RuntimeError(f"{query}: the search page logged {errors}")
    return found


def all_results(driver) -> list[str]:
    """The results of the search the page runs, after pressing さらに表示 until all are shown."""
    wait(driver, "return document.getElementById('sb-search-status').dataset.done === 'true'")
    while driver.execute_script("return !document.getElementById('sb-search-more').hidden"):
        shown = driver.execute_script("return document.querySelectorAll('.sb-result').length")
        driver.execute_script("document.getElementById('sb-search-more').click()")
        wait(driver, f"return document.querySelectorAll('.sb-result').length > {shown}")
    links = driver.execute_script(
        "return [...document.querySelectorAll('#sb-search-results .sb-result__link')].map(a => a.href)"
    )
    return [urllib.parse.urlsplit(link).path for link in links]


def wait(driver, condition: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(condition):
        if time.monotonic() > deadline:
            raise TimeoutError(condition)
        time.sleep(0.02)


def material(site: Path) -> dict[str, set[str]]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as queries:
        json.dump([query for _, query in QUERIES], queries, ensure_ascii=False)
        queries.flush()
        result = subprocess.run(
            ["node", str(HERE / "search_query.mjs"), "material", str(site), queries.name],
            capture_output=True,
            text=True,
            check=True,
        )
    return {query: set(pages) for query, pages in json.loads(result.stdout).items()}


def precision_at_5(shown: list[str], wanted: set[str]) -> float:
    first = shown[:5]
    return sum(url in wanted for url in first) / len(first) if first else 0.0


def table(n: int, wanted: dict[str, set[str]], ours: dict[str, list[str]], lunr: dict[str, set[str]]) -> str:
    per_kind: dict[str, list[str]] = defaultdict(list)
    for kind, query in QUERIES:
        per_kind[kind].append(query)

    def figures(queries: list[str]) -> tuple[int, int, int, float, int]:
        total = sum(len(wanted[q]) for q in queries)
        found = sum(len(set(ours[q]) & wanted[q]) for q in queries)
        other = sum(len({u for u in ours[q] if u.startswith(ITEMS)} - wanted[q]) for q in queries)
        precision = sum(precision_at_5(ours[q], wanted[q]) for q in queries) / len(queries)
        lunr_found = sum(len(lunr[q] & wanted[q]) for q in queries)
        return total, found, other, precision, lunr_found

    lines = [
        f"N = {n:,} items; {len(QUERIES)} queries, each typed into the search page (`/search/?q=…`) in "
        "headless Chromium; every result listed. Recall = relevant item pages found / relevant item pages; "
        "P@5 = share of the first five results shown that are relevant (mean over the queries); other = "
        "item pages shown without the query. Material's lunr (`lang: ja`, its own worker in Node) on the "
        "same bodies, recall only.",
        "",
        "| kind | queries | relevant | found | recall | P@5 | other | lunr recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        total, found, other, precision, lunr_found = figures(per_kind[kind])
        lines.append(
            f"| {kind} | {len(per_kind[kind])} | {total} | {found} | {percent(found, total)} | "
            f"{precision:.2f} | {other} | {percent(lunr_found, total)} |"
        )
    total, found, other, precision, lunr_found = figures([query for _, query in QUERIES])
    lines.append(
        f"| **all** | {len(QUERIES)} | {total} | {found} | **{percent(found, total)}** | **{precision:.2f}** | "
        f"{other} | {percent(lunr_found, total)} |"
    )
    lines += ["", "<details><summary>Each query</summary>", ""]
    lines += ["| kind | query | relevant | found | P@5 | other | lunr found |", "|---|---|---:|---:|---:|---:|---:|"]
    for kind, query in QUERIES:
        other = len({u for u in ours[query] if u.startswith(ITEMS)} - wanted[query])
        lines.append(
            f"| {kind} | {query} | {len(wanted[query])} | {len(set(ours[query]) & wanted[query])} | "
            f"{precision_at_5(ours[query], wanted[query]):.2f} | {other} | {len(lunr[query] & wanted[query])} |"
        )
    lines += ["", "</details>"]
    missed = {q: sorted(wanted[q] - set(ours[q])) for _, q in QUERIES if wanted[q] - set(ours[q])}
    if missed:
        lines += ["", "Not found: " + "; ".join(f"{q}: {', '.join(urls[:5])}" for q, urls in missed.items())]
    return "\n".join(lines)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    ours, baseline = ensure_sites(args.items, args.work.resolve())
    wanted = relevant(item_texts(ours, ITEMS))
    empty = [query for _, query in QUERIES if not wanted[query]]
    if empty:
        raise SystemExit(f"queries that no item page contains: {', '.join(empty)}")
    text = table(args.items, wanted, search_page(ours), material(baseline))
    print(text)
    if not args.no_write:
        current = run.RESULTS.read_text(encoding="utf-8") if run.RESULTS.exists() else "# Benchmark results\n"
        if START not in current:
            current += f"\n{START}\n{END}\n"
        head, rest = current.split(START, 1)
        run.RESULTS.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


if __name__ == "__main__":
    main()
