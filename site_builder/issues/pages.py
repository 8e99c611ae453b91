"""Issue pages (課題を知る): the narrative with its charts, tables and sources.

An editor places chart N in the text with a line ``<!-- chart: N -->`` (an HTML
comment: invisible wherever the Markdown is shown as written); charts without a
marker follow the text, in order. Each chart comes with its data table, the
source (linked), license, retrieval date and a link to download the CSV, which is
copied unchanged to ``/issues/<slug>/<file name>``. A page whose data was
retrieved more than ``issues_stale_after_days`` (``mkdocs.yml``, default 400)
before the build time says so at the top.

The templates are ``theme/site/issue.html`` and ``theme/site/issue_chart.html``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from site_builder.content import dates
from site_builder.content.models import Chart, Dataset
from site_builder.content.readers import Entry
from site_builder.content.settings import Config
from site_builder.context import NO_MEMO, Build, Memo, WebPage
from site_builder.issues import charts
from site_builder.issues.datasets import NO_VALUE, ChartData, Table, chart_data, read_table
from site_builder.site.render import SiteRenderer
from site_builder.site.seo import article_jsonld

_MARKER = re.compile(r"<!--\s*chart:\s*(\d+)\s*-->")
LIST_URL = "/issues/"


@dataclass(frozen=True)
class DatasetView:
    dataset: Dataset
    path: str  # where the copy is written: /issues/<slug>/<file name>
    href: str  # the same, URL-quoted
    name: str
    size: int
    table: Table

    @property
    def encoding(self) -> str:
        return {"utf-8": "UTF-8", "cp932": "Shift_JIS"}[self.table.encoding]


@dataclass(frozen=True)
class ChartView:
    number: int
    chart: Chart
    dataset: DatasetView
    svg: Markup
    data: ChartData
    legend: list[str]

    @property
    def id(self) -> str:
        return f"chart-{self.number}"

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        return [
            (label, [series.cells[i].text for series in self.data.series]) for i, label in enumerate(self.data.labels)
        ]


@dataclass(frozen=True)
class StaleNotice:
    retrieved: dt.date | None
    days: int


def issue_context(entry: Entry, body_html: str, config: Config, now: dt.datetime, memo: Memo = NO_MEMO) -> dict:
    """What ``issue.html`` needs beside the entry: body parts, charts, notice."""

    def make_charts() -> list:
        views = dataset_views(entry, config.root)
        return [
            chart_view(number, chart, views[chart.dataset]) for number, chart in enumerate(entry.meta.charts, start=1)
        ]

    # A live preview draws them again only when the issue page is saved (a data file saved builds everything).
    chart_views = memo.result("charts", entry, make_charts)
    return {
        "parts": place_charts(body_html, len(chart_views)),
        "charts": chart_views,
        "stale": stale_notice(entry, now, config.settings.issues.stale_after_days),
        "no_value_marks": NO_VALUE,
    }


def dataset_views(entry: Entry, root: Path) -> dict[str, DatasetView]:
    views = {}
    for dataset in entry.meta.datasets:
        source = root / "content" / dataset.file
        data = source.read_bytes()
        path = dataset_path(entry, dataset)
        views[dataset.id] = DatasetView(
            dataset, path, quote(path), source.name, len(data), read_table(data, dataset.encoding)
        )
    return views


def dataset_path(entry: Entry, dataset: Dataset) -> str:
    """Where the copy of ``dataset`` is published: beside the issue page, by its file name."""
    return f"{entry.url}{Path(dataset.file).name}"


def chart_view(number: int, chart: Chart, dataset: DatasetView) -> ChartView:
    data = chart_data(dataset.table, chart)
    svg = charts.render_chart(chart, data, f"chart-{number}", charts.describe(chart, data))
    return ChartView(number, chart, dataset, Markup(svg), data, [NO_VALUE[mark] for mark in data.marks])


def place_charts(body_html: str, count: int) -> list[str | int]:
    """The body split at chart markers: HTML strings and chart numbers (1-based);
    charts without a marker are appended after the text."""
    parts: list[str | int] = []
    placed: set[int] = set()
    position = 0
    for match in _MARKER.finditer(body_html):
        number = int(match[1])
        if not 1 <= number <= count or number in placed:
            continue  # `check` reports these; the comment stays a comment
        parts += [body_html[position : match.start()], number]
        placed.add(number)
        position = match.end()
    parts.append(body_html[position:])
    parts += [number for number in range(1, count + 1) if number not in placed]
    return [part for part in parts if part != ""]


def stale_notice(entry: Entry, now: dt.datetime, after_days: int) -> StaleNotice | None:
    """A notice when any dataset was retrieved more than ``after_days`` before
    ``now`` (the build time, as a date in Tokyo), or has no retrieval date."""
    today = now.astimezone(dates.TOKYO).date()
    retrieved = [dataset.retrieved for dataset in entry.meta.datasets]
    if None in retrieved:
        return StaleNotice(None, after_days)
    oldest = min(retrieved)
    if (today - oldest).days > after_days:
        return StaleNotice(oldest, (today - oldest).days)
    return None


def issue_pages(site: SiteRenderer) -> list[WebPage]:
    """The page generator: each public issue page, and the list 課題を知る."""
    issues = site.published.issues
    now = site.published.now
    pages = [
        site.item_page(
            e,
            "issue.html",
            article_jsonld(e, site.config),
            **issue_context(e, site.body(e), site.config, now, site.build.memo),
        )
        for e in issues
    ]
    pages.append(site.page(LIST_URL, "課題を知る", "issue_list.html", items=issues))
    return pages


def site_paths(build: Build) -> list[str]:
    """The site paths of this section: the list, each public issue page and its dataset
    copies (:func:`render_dataset_files`); for the link check, without rendering."""
    paths = [LIST_URL]
    for entry in build.published.issues:
        paths += [entry.url, *(dataset_path(entry, dataset) for dataset in entry.meta.datasets)]
    return paths


def render_dataset_files(build: Build) -> dict[str, bytes]:
    """The channel: each public issue page's CSVs, byte for byte, beside the page."""
    files: dict[str, bytes] = {}
    for entry in build.published.issues:
        for view in dataset_views(entry, build.config.root).values():
            files[view.path] = (build.config.root / "content" / view.dataset.file).read_bytes()
    return files
