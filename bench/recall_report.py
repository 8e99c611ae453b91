"""The recall section of bench/results.md from what bench/recall.py measured: a table by
kind of query, one row per query, and every page missed or shown wrongly with the reason."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import generate
import queries

ITEMS = ("/cases/", "/events/", "/news/")
LISTED = 20  # pages named for each query in the lists of misses and of other pages shown
# The first five results of a query, one mark each: a relevant item page; another page
# whose content region holds the query (an ordinary page, an issue page); any other page.
RELEVANT, HOLDS, OTHER = "●", "◉", "○"


@dataclass
class Measured:
    items: dict[str, generate.Item]  # by URL
    wanted: dict[str, set[str]]  # query: the relevant item pages (queries.relevant)
    shown: dict[str, list[str]]  # query: the search page's results, in order
    on_page: dict[str, set[str]]  # query: the item pages whose built page holds it
    holding: dict[str, set[str]]  # query: the pages shown whose built page's content region holds it
    lunr: dict[str, set[str]]  # query: the pages Material's search finds

    def found(self, query: str) -> set[str]:
        return set(self.shown[query]) & self.wanted[query]

    def other(self, query: str) -> list[str]:
        """Item pages shown that are not relevant, in the order shown."""
        return [url for url in self.shown[query] if url.startswith(ITEMS) and url not in self.wanted[query]]

    def without(self, query: str) -> list[str]:
        """Pages shown (items or not) that are not relevant and whose content does not hold the query."""
        return [url for url in self.shown[query] if url not in self.wanted[query] | self.holding[query]]

    def precision_at_5(self, query: str, pages: bool = False) -> float:
        """Relevant item pages (``pages``: or pages that hold the query) among the first five shown."""
        first = self.shown[query][:5]
        held = self.wanted[query] | (self.holding[query] if pages else set())
        return sum(url in held for url in first) / len(first) if first else 0.0

    def first_five(self, query: str) -> str:
        marks = [
            RELEVANT if url in self.wanted[query] else HOLDS if url in self.holding[query] else OTHER
            for url in self.shown[query][:5]
        ]
        return "".join(marks) or "–"


def section(n: int, measured: Measured) -> str:
    lines = [
        f"N = {n:,} items; {len(queries.QUERIES)} queries (`bench/queries.py`), each typed into the search page "
        "(`/search/?q=…`) in headless Chromium, every result listed (さらに表示 pressed until none is left). "
        "Relevant: the item pages whose generated title, summary, body or facts contain the query after NFKC "
        "(each word, for two words). Recall = relevant item pages found / relevant item pages. P@5 = relevant "
        "item pages among the first five results shown (all of them when fewer are shown) / the number of those "
        "results, 0 when nothing is shown; the mean over the queries. P@5, pages: the same, counting also the "
        "other pages whose content region holds the query (the centre's own pages on コーディネーター, スペース, "
        "市民活動支援センター…, which readers asking for them want too). Other = item pages shown that are not "
        "relevant. Without = pages shown, of any kind, whose content region does not hold the query (a page the "
        "search found by its words apart, or wrongly). "
        "Material's lunr (`lang: ja`, its own worker in Node) on the same bodies: recall only.",
        "",
        *by_kind(measured),
        "",
        "<details><summary>Each query</summary>",
        "",
        f"First five: {RELEVANT} relevant item page, {HOLDS} another page whose content holds the query, "
        f"{OTHER} any other page.",
        "",
        *by_query(measured),
        "",
        "</details>",
        "",
        *misses(measured),
    ]
    return "\n".join(lines)


def by_kind(measured: Measured) -> list[str]:
    per_kind: dict[str, list[str]] = defaultdict(list)
    for kind, query in queries.QUERIES:
        per_kind[kind].append(query)
    lines = [
        "| kind | queries | relevant | found | recall | P@5 | P@5, pages | other | without | lunr recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in queries.KINDS:
        lines.append(f"| {kind} | " + figures(measured, per_kind[kind]))
    every = [query for _, query in queries.QUERIES]
    lines.append("| **all** | " + figures(measured, every, bold=True))
    return lines


def figures(measured: Measured, asked: list[str], bold: bool = False) -> str:
    relevant = sum(len(measured.wanted[q]) for q in asked)
    found = sum(len(measured.found(q)) for q in asked)
    other = sum(len(measured.other(q)) for q in asked)
    without = sum(len(measured.without(q)) for q in asked)
    p5 = f"{sum(measured.precision_at_5(q) for q in asked) / len(asked):.2f}"
    p5_pages = f"{sum(measured.precision_at_5(q, pages=True) for q in asked) / len(asked):.2f}"
    lunr = sum(len(measured.lunr[q] & measured.wanted[q]) for q in asked)
    recall = percent(found, relevant)
    if bold:
        recall, p5 = f"**{recall}**", f"**{p5}**"
    counts = f"{len(asked)} | {relevant:,} | {found:,} | {recall}"
    return f"{counts} | {p5} | {p5_pages} | {other} | {without} | {percent(lunr, relevant)} |"


def by_query(measured: Measured) -> list[str]:
    lines = [
        "| kind | query | relevant | found | P@5 | P@5, pages | first five | other | without | lunr found |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for kind, query in queries.QUERIES:
        lines.append(
            f"| {kind} | {query} | {len(measured.wanted[query])} | {len(measured.found(query))} | "
            f"{measured.precision_at_5(query):.2f} | {measured.precision_at_5(query, pages=True):.2f} | "
            f"{measured.first_five(query)} | {len(measured.other(query))} | {len(measured.without(query))} | "
            f"{len(measured.lunr[query] & measured.wanted[query])} |"
        )
    return lines


def misses(measured: Measured) -> list[str]:
    """Each relevant page not found and each page shown wrongly, with why, and the relevant
    pages whose built page does not show the query (none, when the pages show what the
    generated items say)."""
    lines = []
    for _, query in queries.QUERIES:
        missed = sorted(measured.wanted[query] - set(measured.shown[query]))
        lines += [f"* Not found, {query}: {why_missed(measured, query, url)}" for url in missed[:LISTED]]
        for url in measured.other(query)[:LISTED]:
            held = "outside the texts read for relevance" if url in measured.on_page[query] else "nowhere"
            lines.append(f"* Shown, not relevant, {query}: {url} (its page holds the query {held})")
        outside = [url for url in measured.without(query) if not url.startswith(ITEMS)]
        hidden = sorted(measured.wanted[query] - measured.on_page[query])
        if len(missed) > LISTED:
            lines.append(f"* Not found, {query}: {len(missed)} in all, {LISTED} listed")
        if outside:
            lines.append(f"* Shown, without the query, {query}: {', '.join(outside[:LISTED])} ({len(outside)} in all)")
        if hidden:
            lines.append(f"* Relevant, not on the built page, {query}: {', '.join(hidden[:LISTED])} ({len(hidden)})")
    return lines or [
        "Every relevant item page was found, every page shown holds its query, and every relevant "
        "item page's built page shows its query."
    ]


def why_missed(measured: Measured, query: str, url: str) -> str:
    """``url`` and where the generated item holds ``query``; whether its built page shows it."""
    words = unicodedata.normalize("NFKC", query).split()
    texts = queries.shown_texts(measured.items[url])
    held = "; ".join(f"“{text[:60]}”" for text in texts if any(word in text for word in words))
    page = "shown on its page" if url in measured.on_page[query] else "NOT shown on its page"
    return f"{url} ({page}; in {held})"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"
