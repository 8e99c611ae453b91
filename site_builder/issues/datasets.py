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

from site_builder.content import placeholders
from site_builder.content.checking import Checking
from site_builder.content.frontmatter import Loc, SourceFile, format_loc
from site_builder.content.i18n import Bilingual, bi, japanese
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
NUMBER_HINT_JA = "151659 や 151,659 のように数字で書いてください。値がないときは空欄、-、…、X のどれかにします"
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
        raise ValueError(
            bi(f"not a number: {text!r} ({NUMBER_HINT})", f"「{text}」は数ではありません。{NUMBER_HINT_JA}。")
        )
    sign = "-" if match["sign"] in ("-", "△", "▲") else ""
    return Cell(Decimal(sign + match["whole"].replace(",", "") + (match["fraction"] or "")))


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The text and the encoding it was read with; raises :class:`TableError`."""
    failures, failures_ja = [], []
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
        failures_ja.append((_ENCODING_NAMES_JA[candidate], line))
    hint = "" if encoding else "; save it as UTF-8 or CP932, or set encoding"
    hint_ja = (
        "UTF-8 か CP932（Shift_JIS）で保存し直すか、encoding に文字コードを書いてください。"
        if not encoding
        else "ファイルの文字コードを確かめて、encoding を直すか消してください。"
    )
    raise TableError(bi(f"is not {' nor '.join(failures)} text{hint}", _undecodable(failures_ja) + hint_ja))


def _undecodable(failures: list[tuple[str, int]]) -> str:
    """``は文字コード UTF-8 として読めません（1 行目に読めない文字があります）。``"""
    if len(failures) == 1:
        ((name, line),) = failures
        return f"は文字コード {name} として読めません（{line} 行目に読めない文字があります）。"
    names = " ".join(f"{name} としても" for name, _ in failures)
    lines = "、".join(f"{name} では {line} 行目" for name, line in failures)
    return f"は文字コード {names}読めません（読めない文字：{lines}）。"


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp932": "CP932 (Shift_JIS)"}
_ENCODING_NAMES_JA = {"utf-8": "UTF-8", "cp932": "CP932（Shift_JIS）"}
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
        raise TableError(
            bi(
                f"is not a readable CSV: line {start}: {exc}",
                f'は CSV として読めません（{start} 行目）。引用符（"）の閉じ忘れなどがないか確かめてください。',
            )
        ) from None
    if not records:
        raise TableError(
            bi("is empty: the first row must name the columns", "は空です。1行目に列の名前を書いてください。")
        )
    header = records[0]
    if header.line != 1:
        raise TableError(
            bi(
                "line 1 is empty: the first row must name the columns",
                "の1行目が空です。1行目に列の名前を書いてください。",
            )
        )
    return Table(header.cells, tuple(records[1:]), used)


# --- checking a table against the charts that use it ------------------------------


def column_problems(table: Table, chart: Chart, csv_name: str) -> list[tuple[Loc, Bilingual]]:
    """Chart columns missing from the header, located to the chart's field."""
    found = []
    wanted: list[tuple[Loc, str]] = [(("x",), chart.x)]
    if isinstance(chart.y, str):
        wanted.append((("y",), chart.y))
    else:
        wanted += [(("y", index), name) for index, name in enumerate(chart.y)]
    for loc, name in wanted:
        if name not in table.header:
            found.append((loc, _missing_column(table, name, csv_name)))
        elif table.header.count(name) > 1:
            count = table.header.count(name)
            message = bi(
                f"{csv_name} has {count} columns named {name!r}; rename them apart",
                f"{csv_name} には「{name}」という名前の列が {count} つあります。列の名前を別々にしてください。",
            )
            found.append((loc, message))
    return found


def _missing_column(table: Table, name: str, csv_name: str) -> Bilingual:
    close = difflib.get_close_matches(name, table.header, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    hint_ja = f"「{close[0]}」の書き間違いではありませんか。" if close else ""
    return bi(
        f"column {name!r} is not in {csv_name}{hint}; its columns are: {', '.join(table.header)}",
        f"列「{name}」が {csv_name} にありません。{hint_ja}この CSV の列：{'、'.join(table.header)}",
    )


def row_problems(table: Table, x: str, ys: list[str]) -> list[tuple[int, str, str]]:
    """``(line, column, message)`` for ragged rows, empty labels and bad numbers."""
    found = []
    width = len(table.header)
    for row in table.rows:
        if len(row.cells) != width:
            message = bi(
                f"has {len(row.cells)} cells, the header has {width}",
                f"この行は {len(row.cells)} 列ですが、1行目（列の名前）は {width} 列です。列の数をそろえてください。",
            )
            found.append((row.line, "row", message))
    ragged = {line for line, _, _ in found}
    for line, text in table.column(x):
        if line not in ragged and not text.strip():
            message = bi(
                "empty label: every row needs a value in the chart's x column",
                f"ラベルが空です。グラフの x に選んだ列（{x}）には、どの行にも値を書いてください。",
            )
            found.append((line, x, message))
    for name in ys:
        for line, text in table.column(name):
            if line in ragged:
                continue
            try:
                parse_cell(text)
            except ValueError as exc:
                found.append((line, name, exc.args[0]))
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
            message = bi(
                f"chart marker {number}: this page has charts 1 to {chart_count}",
                f"<!-- chart: {number} --> に当たるグラフがありません。" + _marker_advice(chart_count),
            )
            found.append((line, message))
        elif number in seen:
            message = bi(
                f"chart {number} is placed twice (first on line {seen[number]})",
                f"グラフ {number} が2回置かれています（最初は {seen[number]} 行目）。"
                f"どちらかの <!-- chart: {number} --> を消してください。",
            )
            found.append((line, message))
        else:
            seen[number] = line
    return found


def _marker_advice(chart_count: int) -> str:
    if chart_count == 1:
        return "このページのグラフは1つなので、<!-- chart: 1 --> と書いてください。"
    return f"このページのグラフの番号は 1 から {chart_count} です。"


# --- the check step ------------------------------------------------------------


def check_issue_pages(checking: Checking) -> None:
    """The content check of issue pages (registered in the pipeline): each dataset
    file exists, reads, and every chart finds its columns and valid cells."""
    content, reporter = checking.content, checking.reporter
    for entry in content.of(ISSUE.name):
        if checking.only is not None and entry.path not in checking.only:
            continue  # a live preview's update: the data files were not saved (else everything is checked)
        for index, dataset in enumerate(entry.meta.datasets):
            if not (content.root / "content" / dataset.file).is_file():
                loc = ("datasets", index, "file")
                message = bi(
                    f"file not found: content/{dataset.file}",
                    f"データのファイル content/{dataset.file} が見つかりません。ファイルを置くか、file の名前を"
                    "確かめてください（content/ からの場所で書きます）。",
                )
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
        if not meta.draft:
            _check_placeholders(table, csv_path, reporter)
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
        message = bi(
            f"must be a file inside content/, got {dataset.file!r}",
            f"データのファイルは content/ の中に置き、data/population.csv のように content/ からの場所で書いてください"
            f"（いまは {dataset.file}）。",
        )
        reporter.error(page, source.line_of(loc), format_loc(loc), message)
        return None
    if not path.is_file():
        return None
    loc = ("datasets", index, "encoding" if dataset.encoding else "file")
    try:
        return read_table(path.read_bytes(), dataset.encoding)
    except OSError as exc:
        message = bi(
            f"cannot read content/{dataset.file}: {exc.strerror}",
            f"content/{dataset.file} を読めません（{exc.strerror}）。",
        )
    except TableError as exc:
        reason = exc.args[0]
        message = bi(f"content/{dataset.file} {reason}", f"content/{dataset.file} {japanese(reason)}")
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
        message = bi(
            "has no numbers to chart: every cell is blank, -, … or X",
            "グラフにする数がありません。この列の値がすべて空欄、-、…、X のどれかです。",
        )
        reporter.error(page, source.line_of(loc), format_loc(loc), message)
    elif not table.rows:
        loc = ("charts", index, "dataset")
        shown = reporter.display(csv_path)
        message = bi(
            f"{shown} has a header but no rows",
            f"{shown} には1行目（列の名前）しかありません。2行目から値を書いてください。",
        )
        reporter.error(page, source.line_of(loc), format_loc(loc), message)


def _check_placeholders(table: Table, csv_path: Path, reporter: Reporter) -> None:
    """A page that is not a draft shows no cell that `new` left to fill in (content/placeholders.py)."""
    for row in (Row(1, table.header), *table.rows):
        for index, cell in enumerate(row.cells):
            found = placeholders.find(cell)
            if found:
                column = table.header[index] if index < len(table.header) else "row"
                reporter.error(csv_path, row.line, column, placeholders.message(found))


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
                bi(
                    f"another dataset of this page has the file name {name!r} ({seen[name]}); rename one",
                    f"このページの別のデータ（{seen[name]}）と同じファイル名「{name}」です。どちらかの名前を変えてください。",
                ),
            )
        seen.setdefault(name, dataset.file)
