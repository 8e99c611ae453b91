"""``site-builder data pull [--dataset ID]``: refresh issue-page CSVs from their source.

For every dataset with a ``download_url`` (or only those with ``--dataset ID``),
the CSV is downloaded (progress on stderr), read with the dataset's rules
(:mod:`site_builder.datasets`) and checked against every chart that uses the
file, on every issue page. Only a download that passes replaces the file, by an
atomic rename, byte for byte as served; anything else leaves it untouched and
the command exits 1. What changed is printed: columns, rows added or removed,
cells changed (rows are matched by the charts' ``x`` columns when those identify
them, else by position).

The server is not trusted: :mod:`site_builder.issues.download` enforces the deadline,
size, redirect and address rules, and whatever is printed goes through
:func:`printable`, so text from a CSV cannot drive the terminal.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from site_builder.content.models import Chart
from site_builder.content.readers import read_content
from site_builder.content.reporter import Reporter
from site_builder.content.settings import DataPullSettings
from site_builder.issues.datasets import (
    Table,
    TableError,
    column_problems,
    inside_content,
    parse_cell,
    read_table,
    row_problems,
)
from site_builder.issues.download import PullError, download
from site_builder.writer import replace_file

SHOWN_CHANGES = 20
# What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1
# (ESC and CSI among them), bidirectional embeddings, overrides, isolates and marks,
# line/paragraph separators, lone surrogates.
UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE_IN_TEXT = re.compile(f"[{UNSAFE}]")
UNSAFE_IN_VALUE = re.compile(f"[\n{UNSAFE}]")


def printable(text: str, newlines: bool = True) -> str:
    """``text`` safe to print: each unsafe character written as an escape (``\\x1b``, ``\\u202e``);
    with ``newlines=False`` a newline too, so that a value cannot start a line of its own."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return (UNSAFE_IN_TEXT if newlines else UNSAFE_IN_VALUE).sub(escape, text)


@dataclass
class Target:
    """One CSV file and everything that uses it."""

    file: str  # relative to content/
    url: str
    encoding: str | None
    ids: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @property
    def key_columns(self) -> list[str]:
        return list(dict.fromkeys(chart.x for chart in self.charts))


def collect_targets(root: Path, only_id: str | None) -> tuple[list[Target], list[str]]:
    """Datasets with a ``download_url``, grouped by file; conflicting ones are problems."""
    content = read_content(root, Reporter(root))  # a broken CSV must not stop its own repair
    targets: dict[str, Target] = {}
    problems: list[str] = []
    for entry in content.of("issue"):
        for dataset in entry.meta.datasets:
            if dataset.download_url is None or (only_id and dataset.id != only_id):
                continue
            if not inside_content(root, dataset):
                problems.append(f"{entry.slug}/{dataset.id}: file must be inside content/, got {dataset.file!r}")
                continue
            target = targets.setdefault(dataset.file, Target(dataset.file, dataset.download_url, dataset.encoding))
            if (target.url, target.encoding) != (dataset.download_url, dataset.encoding):
                problems.append(
                    f"content/{dataset.file}: datasets disagree on download_url or encoding "
                    f"({', '.join(target.ids)} and {entry.slug}/{dataset.id})"
                )
                target.url = ""
            target.ids.append(f"{entry.slug}/{dataset.id}")
    for entry in content.of("issue"):
        for chart in entry.meta.charts:
            dataset = next(d for d in entry.meta.datasets if d.id == chart.dataset)
            if dataset.file in targets:
                targets[dataset.file].charts.append(chart)
    return [t for _, t in sorted(targets.items()) if t.url], problems


def pull(root: Path, target: Target, rules: DataPullSettings) -> list[str]:
    """Download, check, replace; the lines to print, each safe to print (:func:`printable`)."""
    path = root / "content" / target.file
    name = printable(f"content/{target.file}", newlines=False)
    with tqdm(unit="B", unit_scale=True, desc=name, file=sys.stderr, leave=True) as bar:
        data = download(target.url, rules, bar)
    table = check_download(data, target)
    old = path.read_bytes() if path.is_file() else None
    if old == data:
        return [f"{name}: unchanged ({len(table.rows)} rows)"]
    replace_file(path, data)
    head = f"{name}: updated from {printable(target.url, newlines=False)}"
    try:
        old_table = read_table(old, target.encoding) if old is not None else None
    except TableError:
        old_table = None
    if old_table is None:
        return [head, f"  the old file could not be read; the new one has {len(table.rows)} rows"]
    return [head, *describe_changes(old_table, table, target.key_columns)]


def check_download(data: bytes, target: Target) -> Table:
    """The downloaded table, if it passes every check the site build makes."""
    try:
        table = read_table(data, target.encoding)
    except TableError as exc:
        raise PullError(f"the download {exc}") from None
    messages = []
    for chart in target.charts:
        missing = column_problems(table, chart, "the download")
        messages += [message for _, message in missing]
        if not missing:
            messages += [
                f"{target.url}:{line}: {column}: {message}"
                for line, column, message in row_problems(table, chart.x, chart.columns)
            ]
    if messages:
        unique = list(dict.fromkeys(printable(message, newlines=False) for message in messages))
        raise PullError("the download does not fit the charts:\n  " + "\n  ".join(unique))
    return table


# --- what changed ------------------------------------------------------------------


def describe_changes(old: Table, new: Table, key_columns: list[str]) -> list[str]:
    """The summary lines; every value from the tables is escaped (:func:`printable`), newlines too."""
    lines = []
    added_columns = [c for c in new.header if c not in old.header]
    removed_columns = [c for c in old.header if c not in new.header]
    if added_columns or removed_columns:
        lines.append(
            printable(f"  columns: added {added_columns or 'none'}, removed {removed_columns or 'none'}", False)
        )
    added, removed, changed = diff_rows(old, new, key_columns)
    lines.append(f"  rows: {len(added)} added, {len(removed)} removed; cells: {len(changed)} changed")
    details = [f"  + {label}" for label in added] + [f"  - {label}" for label in removed]
    details += [f"  ~ {label} {column}: {before} → {after}" for label, column, before, after in changed]
    details = [printable(line, newlines=False) for line in details]
    lines += details[:SHOWN_CHANGES]
    if len(details) > SHOWN_CHANGES:
        lines.append(f"  … and {len(details) - SHOWN_CHANGES} more")
    return lines


def diff_rows(old: Table, new: Table, key_columns: list[str]):
    """``(added labels, removed labels, [(label, column, old, new)])``."""
    common = [c for c in new.header if c in old.header]
    keys = [c for c in key_columns if c in common] or common[:1]
    old_rows, new_rows = records(old, common), records(new, common)

    def label(row: dict[str, str]) -> str:
        return " / ".join(row[c] for c in keys)

    if unique(old_rows, keys) and unique(new_rows, keys):
        old_by, new_by = {label(r): r for r in old_rows}, {label(r): r for r in new_rows}
        pairs = [(old_by[k], new_by[k]) for k in old_by if k in new_by]
        added = [k for k in new_by if k not in old_by]
        removed = [k for k in old_by if k not in new_by]
    else:
        pairs, added, removed = [], [], []
        matcher = difflib.SequenceMatcher(
            None, [tuple(r.values()) for r in old_rows], [tuple(r.values()) for r in new_rows]
        )
        for _, i1, i2, j1, j2 in matcher.get_opcodes():
            pairs += list(zip(old_rows[i1:i2], new_rows[j1:j2], strict=False))
            added += [label(r) for r in new_rows[j1 + (i2 - i1) : j2]]
            removed += [label(r) for r in old_rows[i1 + (j2 - j1) : i2]]
    changed = [(label(b), c, a[c], b[c]) for a, b in pairs for c in common if not same_cell(a[c], b[c])]
    return added, removed, changed


def records(table: Table, columns: list[str]) -> list[dict[str, str]]:
    index = {name: table.header.index(name) for name in columns}
    return [
        {name: (row.cells[i] if i < len(row.cells) else "").strip() for name, i in index.items()} for row in table.rows
    ]


def unique(rows: list[dict[str, str]], keys: list[str]) -> bool:
    labels = [tuple(row[c] for c in keys) for row in rows]
    return len(set(labels)) == len(labels)


def same_cell(a: str, b: str) -> bool:
    """``1,234`` and ``1234`` are the same number."""
    if a == b:
        return True
    try:
        return parse_cell(a) == parse_cell(b)
    except ValueError:
        return False
