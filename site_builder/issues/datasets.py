"""Issue-page datasets (課題を知る): a CSV read the way the city publishes it.

The rules (README, "課題を知る"):

* Encoding: ``encoding: utf-8`` (with or without a BOM) or ``cp932`` (Shift_JIS).
  When absent, the file is decoded as strict UTF-8 (a BOM is dropped) and, if that
  fails, as CP932; a file that is neither is an error naming both failing lines.
* The first row is the header. Column names are kept exactly (``人口総数[人]``).
  Empty lines are skipped; every other row has as many cells as the header.
* A chart's ``x`` column holds any non-empty text (the label of a bar or a point).
* A chart's ``y`` columns hold numbers: digits, optionally with thousands
  separators (``1,234``), decimals, a sign (``-``, or ``△``/``▲`` for minus as in
  Japanese statistics), full-width digits. A cell without a value is one of the
  marks in :data:`NO_VALUE`: blank, ``-`` (該当なし), ``…`` (不詳) or ``X`` (秘匿).
  Such a cell is a gap in the chart and shown as written in the table, with a
  legend. Anything else is an error naming the CSV, its line and the column.
* Other columns are not read.

Everything here works on bytes and models; :func:`validate_issue` is the one
function that reads files, for ``site-builder check``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from site_builder.content.checking import Checking
from site_builder.content.frontmatter import Loc, SourceFile, format_loc
from site_builder.content.kinds import ISSUE
from site_builder.content.models import Chart, Dataset
from site_builder.content.readers import Entry
from site_builder.content.reporter import Reporter

ENCODINGS = ("utf-8", "cp932")
# Marks for a cell without a value, and what each means (the table's legend).
NO_VALUE = {
    "": "空欄：値なし",
    "-": "「-」：該当する数値がないもの",
    "…": "「…」：数値が得られないもの（不詳）",
    "X": "「X」：個人や事業所が特定されるおそれがあるため公表されていないもの（秘匿）",
}
_MARKS = {
    "": "",
    "-": "-",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "...": "…",
    "..": "…",
    "…": "…",
    "X": "X",
    "x": "X",
}
_NUMBER = re.compile(r"^(?P<sign>[-+△▲]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?$")
NUMBER_HINT = "write digits, optionally with , separators; a cell without a value is blank, -, … or X"
CHART_MARKER = re.compile(r"^[ \t]*<!--[ \t]*chart:[ \t]*(\d+)[ \t]*-->[ \t]*$", re.MULTILINE)


class TableError(Exception):
    """A file that cannot be read as a CSV table at all."""


@dataclass(frozen=True)
class Cell:
    """A cell of a ``y`` column: a number, or no value with the mark written."""

    value: Decimal | None
    mark: str = ""

    @property
    def text(self) -> str:
        return f"{self.value:,}" if self.value is not None else self.mark


@dataclass(frozen=True)
class Row:
    line: int  # the CSV line the row starts on
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str

    def column(self, name: str) -> list[tuple[int, str]]:
        """``(line, cell text)`` for every row of a column (rows too short give "")."""
        index = self.header.index(name)
        return [(row.line, row.cells[index] if index < len(row.cells) else "") for row in self.rows]


@dataclass(frozen=True)
class Series:
    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class ChartData:
    """What a chart shows: labels along ``x`` and one series per ``y`` column."""

    x_name: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def marks(self) -> list[str]:
        """The no-value marks that occur, in legend order."""
        used = {cell.mark for s in self.series for cell in s.cells if cell.value is None}
        return [mark for mark in NO_VALUE if mark in used]


# --- reading -------------------------------------------------------------------


def parse_cell(text: str) -> Cell:
    """A ``y`` cell; raises ``ValueError`` with an editor-readable message."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if normal in _MARKS:
        return Cell(None, _MARKS[normal])
    match = _NUMBER.match(normal.replace("−", "-"))
    if not match:
        raise ValueError(f"not a number: {text!r} ({NUMBER_HINT})")
    sign = "-" if match["sign"] in ("-", "△", "▲") else ""
    return Cell(Decimal(sign + match["whole"].replace(",", "") + (match["fraction"] or "")))


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text and the encoding it was read with; raises :class:`TableError`."""
    failures = []
    for candidate in [encoding] if encoding else list(ENCODINGS):
        try:
            text = data.decode("utf-8-sig" if candidate == "utf-8" else candidate)
        except UnicodeDecodeError as exc:
            line, byte = data[: exc.start].count(b"\n") + 1, data[exc.start]
        else:
            odd = _NOT_TEXT.search(text)
            if not odd:
                return text, candidate
            line, byte = text.count("\n", 0, odd.start()) + 1, _NOT_TEXT_BYTES.get(odd[0], ord(odd[0]))
        failures.append(f"{_ENCODING_NAMES[candidate]} (line {line} has the byte 0x{byte:02x})")
    hint = "" if encoding else "; save it as UTF-8 or CP932, or set encoding"
    raise TableError(f"is not {' nor '.join(failures)} text{hint}")


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp932": "CP932 (Shift_JIS)"}
# Never in a text file: NUL, and the bytes Python's cp932 lets through as C1 control
# or private-use characters (0x80, 0xa0, 0xfd-0xff), which are how binary data decodes.
_NOT_TEXT = re.compile("[\x00\x80\uf8f0-\uf8f3]")
_NOT_TEXT_BYTES = {"\uf8f0": 0xA0, "\uf8f1": 0xFD, "\uf8f2": 0xFE, "\uf8f3": 0xFF}


def read_table(data: bytes, encoding: str | None = None) -> Table:
    """A CSV's header and rows; raises :class:`TableError` for an unreadable file."""
    text, used = decode(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[Row] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append(Row(start, tuple(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(f"is not a readable CSV: line {start}: {exc}") from None
    if not records:
        raise TableError("is empty: the first row must name the columns")
    header = records[0]
    if header.line != 1:
        raise TableError("line 1 is empty: the first row must name the columns")
    return Table(header.cells, tuple(records[1:]), used)


# --- checking a table against the charts that use it ------------------------------


def column_problems(table: Table, chart: Chart, csv_name: str) -> list[tuple[Loc, str]]:
    """Chart columns missing from the header, located to the chart's field."""
    found = []
    wanted: list[tuple[Loc, str]] = [(("x",), chart.x)]
    if isinstance(chart.y, str):
        wanted.append((("y",), chart.y))
    else:
        wanted += [(("y", index), name) for index, name in enumerate(chart.y)]
    for loc, name in wanted:
        if name not in table.header:
            close = difflib.get_close_matches(name, table.header, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            columns = ", ".join(table.header)
            found.append((loc, f"column {name!r} is not in {csv_name}{hint}; its columns are: {columns}"))
        elif table.header.count(name) > 1:
            found.append((loc, f"{csv_name} has {table.header.count(name)} columns named {name!r}; rename them apart"))
    return found


def row_problems(table: Table, x: str, ys: list[str]) -> list[tuple[int, str, str]]:
    """``(line, column, message)`` for ragged rows, empty labels and bad numbers."""
    found = []
    width = len(table.header)
    for row in table.rows:
        if len(row.cells) != width:
            found.append((row.line, "row", f"has {len(row.cells)} cells, the header has {width}"))
    ragged = {line for line, _, _ in found}
    for line, text in table.column(x):
        if line not in ragged and not text.strip():
            found.append((line, x, "empty label: every row needs a value in the chart's x column"))
    for name in ys:
        for line, text in table.column(name):
            if line in ragged:
                continue
            try:
                parse_cell(text)
            except ValueError as exc:
                found.append((line, name, str(exc)))
    return found


def chart_data(table: Table, chart: Chart) -> ChartData:
    """The chart's labels and series from a table that passed the checks."""
    labels = tuple(text.strip() for _, text in table.column(chart.x))
    series = tuple(Series(name, tuple(parse_cell(text) for _, text in table.column(name))) for name in chart.columns)
    return ChartData(chart.x, labels, series)


def marker_problems(body: str, chart_count: int, first_line: int = 1) -> list[tuple[int, str]]:
    """``(line, message)`` for chart markers that name no chart or repeat one;
    ``first_line`` is the line of the body's first line in its file."""
    found, seen = [], {}
    for match in CHART_MARKER.finditer(body):
        line = body.count("\n", 0, match.start()) + first_line
        number = int(match[1])
        if not 1 <= number <= chart_count:
            found.append((line, f"chart marker {number}: this page has charts 1 to {chart_count}"))
        elif number in seen:
            found.append((line, f"chart {number} is placed twice (first on line {seen[number]})"))
        else:
            seen[number] = line
    return found


# --- the check step ------------------------------------------------------------


def check_issue_pages(checking: Checking) -> None:
    """The content check of issue pages (registered in the pipeline): each dataset
    file exists, reads, and every chart finds its columns and valid cells."""
    content, reporter = checking.content, checking.reporter
    for entry in content.of(ISSUE.name):
        for index, dataset in enumerate(entry.meta.datasets):
            if not (content.root / "content" / dataset.file).is_file():
                loc = ("datasets", index, "file")
                message = f"file not found: content/{dataset.file}"
                reporter.error(entry.path, entry.source.line_of(loc), format_loc(loc), message)
        validate_issue(content.root, entry, entry.source, reporter)


def validate_issue(root: Path, entry: Entry, source: SourceFile, reporter: Reporter) -> None:
    """Every dataset of an issue page readable, and every chart's columns and cells valid.
    Datasets whose file is missing are reported by :func:`check_issue_pages`."""
    meta = entry.meta
    for index, dataset in enumerate(meta.datasets):
        table = _read_for_check(root, entry.path, index, dataset, source, reporter)
        if table is None:
            continue
        csv_path = root / "content" / dataset.file
        for chart_index, chart in enumerate(meta.charts):
            if chart.dataset == dataset.id:
                _check_chart(table, chart, chart_index, csv_path, entry.path, source, reporter)
    for line, message in marker_problems(entry.body, len(meta.charts), entry.body_line):
        reporter.error(entry.path, line, "body", message)
    _check_file_names(entry.path, meta.datasets, source, reporter)


def inside_content(root: Path, dataset: Dataset) -> bool:
    """Whether ``file`` stays inside ``content/`` (it is published, and `data pull` writes it)."""
    return (root / "content" / dataset.file).resolve().is_relative_to((root / "content").resolve())


def _read_for_check(
    root: Path, page: Path, index: int, dataset: Dataset, source: SourceFile, reporter: Reporter
) -> Table | None:
    path = root / "content" / dataset.file
    if not inside_content(root, dataset):
        loc = ("datasets", index, "file")
        reporter.error(
            page, source.line_of(loc), format_loc(loc), f"must be a file inside content/, got {dataset.file!r}"
        )
        return None
    if not path.is_file():
        return None
    loc = ("datasets", index, "encoding" if dataset.encoding else "file")
    try:
        return read_table(path.read_bytes(), dataset.encoding)
    except OSError as exc:
        message = f"cannot read content/{dataset.file}: {exc.strerror}"
    except TableError as exc:
        message = f"content/{dataset.file} {exc}"
    reporter.error(page, source.line_of(loc), format_loc(loc), message)
    return None


def _check_chart(
    table: Table, chart: Chart, index: int, csv_path: Path, page: Path, source: SourceFile, reporter: Reporter
) -> None:
    problems = column_problems(table, chart, reporter.display(csv_path))
    for loc, message in problems:
        full = ("charts", index, *loc)
        reporter.error(page, source.line_of(full), format_loc(full), message)
    if problems:
        return
    cell_problems = row_problems(table, chart.x, chart.columns)
    for line, column, message in cell_problems:
        reporter.error(csv_path, line, column, message)
    if (
        not cell_problems
        and table.rows
        and all(cell.value is None for s in chart_data(table, chart).series for cell in s.cells)
    ):
        loc = ("charts", index, "y")
        reporter.error(
            page, source.line_of(loc), format_loc(loc), "has no numbers to chart: every cell is blank, -, … or X"
        )
    elif not table.rows:
        loc = ("charts", index, "dataset")
        reporter.error(
            page, source.line_of(loc), format_loc(loc), f"{reporter.display(csv_path)} has a header but no rows"
        )


def _check_file_names(page: Path, datasets: list[Dataset], source: SourceFile, reporter: Reporter) -> None:
    """The CSVs are copied to ``/issues/<slug>/<file name>``: one name, one file."""
    seen: dict[str, str] = {}
    for index, dataset in enumerate(datasets):
        name = Path(dataset.file).name
        if name in seen and seen[name] != dataset.file:
            loc = ("datasets", index, "file")
            reporter.error(
                page,
                source.line_of(loc),
                format_loc(loc),
                f"another dataset of this page has the file name {name!r} ({seen[name]}); rename one",
            )
        seen.setdefault(name, dataset.file)
