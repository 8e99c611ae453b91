"""Issue-page datasets: reading the city's CSVs (encodings, separators, no-value
marks), the `check` errors for bad cells, columns and files (exact messages), and
`site-builder data pull` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from site_builder.content import dates
from site_builder.issues.datasets import Cell, TableError, parse_cell, read_table
from site_builder.pipeline import check

NOW = dates.resolve_now(None)  # as `site-builder check` without --now: the clock

# The city's 推計人口 layout; line 2 onwards are wards.
HEADER = "年月日,全国地方公共団体コード,市区名,世帯数[世帯],人口総数[人],男[人],女[人]"
CSV = (
    HEADER
    + "\r\n"
    + "\r\n".join(
        [
            '2026-10-01,141046,中区,"91,203","151,659","78,104","73,555"',
            '2026-10-01,141038,西区,"57,991","104,906","52,138","52,768"',
            '2026-10-01,141097,港北区,"180,102","359,561","178,702","180,859"',
        ]
    )
    + "\r\n"
)

# An issue page: `file` on line 7, `encoding` (when given) on line 11, chart x on 14, y on 15.
ISSUE = """\
---
title: 区別の人口
date: 2020-07-01
summary: 区ごとの人口です。
datasets:
  - id: suikei
    file: data/suikei.csv
    source: 横浜市 推計人口
    source_url: https://www.city.yokohama.lg.jp/
    license: CC BY 4.0
{encoding}charts:
  - dataset: suikei
    type: bar
    x: 市区名
    y: 人口総数[人]
    title: 区別の人口
{extra}---
人口を見てみましょう。

<!-- chart: 1 -->
"""


def issue(encoding: str | None = None, extra: str = "", y: str | None = None, x: str | None = None) -> str:
    text = ISSUE.format(encoding=f"    encoding: {encoding}\n" if encoding else "", extra=extra)
    if y is not None:
        text = text.replace("    y: 人口総数[人]\n", f"    y: {y}\n")
    if x is not None:
        text = text.replace("    x: 市区名\n", f"    x: {x}\n")
    return text


def messages(project, files: dict) -> list[str]:
    return check(project(files), NOW).messages


# --- cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("151659", "151659"),
        ("151,659", "151659"),
        ("1,234,567", "1234567"),
        (" 42 ", "42"),
        ("2.58", "2.58"),
        ("-12", "-12"),
        ("△1,200", "-1200"),
        ("▲3", "-3"),
        ("+5", "5"),
        ("１５１，６５９", "151659"),  # full-width digits and comma
        ("0", "0"),
    ],
)
def test_numbers_with_separators_signs_and_full_width_digits(text, value):
    assert parse_cell(text) == Cell(Decimal(value))


@pytest.mark.parametrize(
    "text, mark",
    [
        ("", ""),
        ("   ", ""),
        ("-", "-"),
        ("－", "-"),
        ("―", "-"),
        ("…", "…"),
        ("...", "…"),
        ("X", "X"),
        ("x", "X"),
        ("Ｘ", "X"),
    ],
)
def test_no_value_marks(text, mark):
    assert parse_cell(text) == Cell(None, mark)


@pytest.mark.parametrize("text", ["abc", "1,23", "12.5%", "1 234", "12-3", "約100", "1,2345"])
def test_anything_else_is_not_a_number(text):
    with pytest.raises(ValueError) as raised:
        parse_cell(text)
    assert str(raised.value) == (
        f"not a number: {text!r} (write digits, optionally with , separators; "
        "a cell without a value is blank, -, … or X)"
    )


def test_a_cell_shows_its_number_with_separators_or_its_mark():
    assert [parse_cell(t).text for t in ("151659", "2.50", "△1200", "X", "...", "")] == [
        "151,659",
        "2.50",
        "-1,200",
        "X",
        "…",
        "",
    ]


# --- files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, declared, used",
    [
        (CSV.encode("utf-8"), None, "utf-8"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), None, "utf-8"),
        (CSV.encode("cp932"), None, "cp932"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8", "utf-8"),
        (CSV.encode("cp932"), "cp932", "cp932"),
    ],
    ids=["utf8", "utf8-bom", "cp932-detected", "utf8-bom-declared", "cp932-declared"],
)
def test_both_encodings_with_or_without_bom_keep_the_header_exactly(data, declared, used):
    table = read_table(data, declared)
    assert table.encoding == used
    assert table.header == tuple(HEADER.split(","))  # no BOM left on 年月日, units kept
    assert [row.line for row in table.rows] == [2, 3, 4]
    assert [text for _, text in table.column("人口総数[人]")] == ["151,659", "104,906", "359,561"]
    assert [text for _, text in table.column("市区名")] == ["中区", "西区", "港北区"]


def test_rows_keep_their_csv_line_across_quoted_line_breaks_and_blank_lines():
    table = read_table('区,備考,人口\n中区,"一行目\n二行目",1\n\n西区,,2\n,,\n'.encode())
    assert [(row.line, row.cells[0]) for row in table.rows] == [(2, "中区"), (5, "西区")]


@pytest.mark.parametrize(
    "data, declared, message",
    [
        (
            b"\x82\xa0,\xff\n",
            None,
            "is not UTF-8 (line 1 has the byte 0x82) nor CP932 (Shift_JIS) (line 1 has the byte 0xff) "
            "text; save it as UTF-8 or CP932, or set encoding",
        ),
        (CSV.encode("cp932"), "utf-8", "is not UTF-8 (line 1 has the byte 0x94) text"),
        (b"", None, "is empty: the first row must name the columns"),
        (b'a,b\n1,"open\n', None, "is not a readable CSV: line 2: unexpected end of data"),
    ],
)
def test_unreadable_files(data, declared, message):
    with pytest.raises(TableError) as raised:
        read_table(data, declared)
    assert str(raised.value) == message


# --- check: every mistake located, all at once -------------------------------------------

BAD = [
    pytest.param(
        {"content/issues/p.md": issue(), "content/data/suikei.csv": CSV.replace('"151,659"', "abc").encode("cp932")},
        [
            "content/data/suikei.csv:2: 人口総数[人]: not a number: 'abc' (write digits, optionally with , "
            "separators; a cell without a value is blank, -, … or X)"
        ],
        id="bad-cell",
    ),
    pytest.param(
        {"content/issues/p.md": issue(y="人口総数"), "content/data/suikei.csv": CSV.encode("cp932")},
        [
            "content/issues/p.md:15: charts[0].y: column '人口総数' is not in content/data/suikei.csv (did you "
            "mean '人口総数[人]'?); its columns are: " + ", ".join(HEADER.split(","))
        ],
        id="missing-y-column",
    ),
    pytest.param(
        {
            "content/issues/p.md": issue(y="\n      - 男[人]\n      - 女性[人]"),
            "content/data/suikei.csv": CSV.encode("cp932"),
        },
        [
            "content/issues/p.md:17: charts[0].y[1]: column '女性[人]' is not in content/data/suikei.csv (did you "
            "mean '女[人]'?); its columns are: " + ", ".join(HEADER.split(","))
        ],
        id="missing-column-in-list",
    ),
    pytest.param(
        {"content/issues/p.md": issue(x="区名"), "content/data/suikei.csv": CSV.encode("cp932")},
        [
            "content/issues/p.md:14: charts[0].x: column '区名' is not in content/data/suikei.csv (did you mean "
            "'市区名'?); its columns are: " + ", ".join(HEADER.split(","))
        ],
        id="missing-x-column",
    ),
    pytest.param(
        {"content/issues/p.md": issue("utf-8"), "content/data/suikei.csv": CSV.encode("cp932")},
        [
            "content/issues/p.md:11: datasets[0].encoding: content/data/suikei.csv is not UTF-8 (line 1 has the "
            "byte 0x94) text"
        ],
        id="wrong-encoding",
    ),
    pytest.param(
        {"content/issues/p.md": issue(), "content/data/suikei.csv": b"\x82\xa0\xff\n"},
        [
            "content/issues/p.md:7: datasets[0].file: content/data/suikei.csv is not UTF-8 (line 1 has the byte "
            "0x82) nor CP932 (Shift_JIS) (line 1 has the byte 0xff) text; save it as UTF-8 or CP932, or set encoding"
        ],
        id="undecodable",
    ),
    pytest.param(
        {"content/issues/p.md": issue(), "content/data/suikei.csv": CSV.replace(',"73,555"', "", 1).encode()},
        ["content/data/suikei.csv:2: row: has 6 cells, the header has 7"],
        id="ragged-row",
    ),
    pytest.param(
        {"content/issues/p.md": issue(), "content/data/suikei.csv": CSV.replace(",西区,", ",,").encode()},
        ["content/data/suikei.csv:3: 市区名: empty label: every row needs a value in the chart's x column"],
        id="empty-label",
    ),
    pytest.param(
        {"content/issues/p.md": issue(), "content/data/suikei.csv": HEADER.encode() + b"\n"},
        ["content/issues/p.md:12: charts[0].dataset: content/data/suikei.csv has a header but no rows"],
        id="no-rows",
    ),
    pytest.param(
        {
            "content/issues/p.md": issue(),
            "content/data/suikei.csv": CSV.replace('"151,659"', "X")
            .replace('"104,906"', "-")
            .replace('"359,561"', "")
            .encode(),
        },
        ["content/issues/p.md:15: charts[0].y: has no numbers to chart: every cell is blank, -, … or X"],
        id="nothing-to-chart",
    ),
    pytest.param(
        {"content/issues/p.md": issue().replace("data/suikei.csv", "../mkdocs.yml")},
        ["content/issues/p.md:7: datasets[0].file: must be a file inside content/, got '../mkdocs.yml'"],
        id="outside-content",
    ),
    pytest.param(
        {
            "content/issues/p.md": issue() + "\n<!-- chart: 2 -->\n\n<!-- chart: 1 -->\n",
            "content/data/suikei.csv": CSV.encode(),
        },
        [
            "content/issues/p.md:22: body: chart marker 2: this page has charts 1 to 1",
            "content/issues/p.md:24: body: chart 1 is placed twice (first on line 20)",
        ],
        id="chart-markers",
    ),
]


@pytest.mark.parametrize("files, expected", BAD)
def test_each_dataset_error_has_its_exact_message(project, files, expected):
    assert messages(project, files) == expected


def test_no_value_marks_and_both_encodings_pass(project):
    marks = CSV.replace('"151,659"', "X").replace('"104,906"', "…").replace('"180,859"', "-")
    assert (
        messages(
            project,
            {
                "content/issues/p.md": issue(),
                "content/data/suikei.csv": marks.encode("cp932"),
                "content/issues/q.md": issue("utf-8", y="\n      - 男[人]\n      - 女[人]").replace(
                    "suikei.csv", "other.csv"
                ),
                "content/data/other.csv": b"\xef\xbb\xbf" + marks.encode(),
            },
        )
        == []
    )


def test_all_dataset_errors_at_once_through_the_cli_without_traceback(project, run_cli):
    bad = CSV.replace('"151,659"', "151.659.0").replace('"359,561"', "約36万")
    root = project(
        {
            "content/issues/p.md": issue(),
            "content/data/suikei.csv": bad.encode("cp932"),
            "content/issues/q.md": issue(y="人口").replace("data/suikei.csv", "data/q.csv"),
            "content/data/q.csv": CSV.encode(),
        }
    )
    code, out, err = run_cli("--root", root, "check")
    assert code == 1 and "Traceback" not in out + err
    lines = err.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        "content/data/suikei.csv:2",
        "content/data/suikei.csv:4",
        "content/issues/q.md:15",
        "3 errors; nothing was written",
    ]
    assert (
        "'151.659.0'" in lines[0]
        and "'約36万'" in lines[1]
        and "column '人口' is not in content/data/q.csv" in lines[2]
    )


# --- data pull ---------------------------------------------------------------------------


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path / "served"``."""
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def pull_project(project, base: str, page_extra: str = "", settings: str = "", encoding: str = "cp932") -> Path:
    """A project whose page downloads ``{base}/suikei.csv``; the test server's 127.0.0.1 is allowed
    (data_pull_allow_private), and ``settings`` lines join ``extra.site_builder``."""
    page = issue(encoding, extra=page_extra).replace(
        "    license: CC BY 4.0\n", f"    license: CC BY 4.0\n    download_url: {base}/suikei.csv\n"
    )
    root = project({"content/issues/p.md": page, "content/data/suikei.csv": CSV.encode(encoding)})
    config = root / "mkdocs.yml"
    lines = ["data_pull_allow_private: [127.0.0.1]", *settings.splitlines()]
    added = "".join(f"    {line}\n" for line in lines if line.strip())
    config.write_text(config.read_text(encoding="utf-8").replace("  site_builder:\n", "  site_builder:\n" + added, 1))
    return root


def test_pull_replaces_the_file_with_the_served_bytes_and_prints_what_changed(project, server, run_cli):
    folder, base = server
    root = pull_project(project, base)
    new = (
        CSV.replace('"151,659"', '"151,700"')
        .replace('"57,991"', '"58,000"')
        .replace(
            '2026-10-01,141097,港北区,"180,102","359,561","178,702","180,859"\r\n',
            '2026-10-01,141101,戸塚区,"125,000","281,000","138,000","143,000"\r\n',
        )
    )
    (folder / "suikei.csv").write_bytes(new.encode("cp932"))
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 0, err
    assert (root / "content/data/suikei.csv").read_bytes() == new.encode("cp932")
    assert out.splitlines() == [
        f"content/data/suikei.csv: updated from {base}/suikei.csv",
        "  rows: 1 added, 1 removed; cells: 2 changed",
        "  + 戸塚区",
        "  - 港北区",
        "  ~ 中区 人口総数[人]: 151,659 → 151,700",
        "  ~ 西区 世帯数[世帯]: 57,991 → 58,000",
    ]
    assert "suikei.csv" in err and "B" in err  # the progress display went to stderr
    assert check(root, NOW).messages == []
    code, out, _ = run_cli("--root", root, "data", "pull", "--dataset", "suikei")
    assert code == 0 and out.splitlines() == ["content/data/suikei.csv: unchanged (3 rows)"]


@pytest.mark.parametrize(
    "served, expected",
    [
        (CSV.replace('"151,659"', "abc").encode("cp932"), "{base}/suikei.csv:2: 人口総数[人]: not a number: 'abc'"),
        (CSV.replace("人口総数[人]", "総人口[人]").encode("cp932"), "column '人口総数[人]' is not in the download"),
        (CSV.encode("utf-8"), "the download is not CP932 (Shift_JIS) (line 1 has the byte 0x"),  # declared cp932
        (
            "<!DOCTYPE html><html><body>メンテナンス中</body></html>".encode("cp932"),
            "column '市区名' is not in the download",
        ),
        (b"\x00\x01PK\x03\x04\xff\xfe", "the download is not CP932 (Shift_JIS) (line 1 has the byte 0x00) text"),
        (None, "{base}/suikei.csv answered HTTP 404"),
    ],
    ids=["bad-cell", "column-renamed", "utf8-served", "html-page", "binary", "not-found"],
)
def test_a_bad_download_leaves_the_file_untouched(project, server, run_cli, served, expected):
    folder, base = server
    root = pull_project(project, base)
    target = root / "content/data/suikei.csv"
    before = target.read_bytes()
    if served is not None:
        (folder / "suikei.csv").write_bytes(served)
    code, out, err = run_cli("--root", root, "data", "pull")
    assert code == 1
    assert out == ""
    assert "error: content/data/suikei.csv: not updated: " in err
    assert expected.format(base=base) in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["suikei.csv"]  # no temporary file left behind


def test_pull_with_an_unknown_dataset_id_says_so(project, server, run_cli):
    _, base = server
    root = pull_project(project, base)
    code, _, err = run_cli("--root", root, "data", "pull", "--dataset", "nothing")
    assert code == 2
    assert err.strip() == "error: no dataset with the id 'nothing' has a download_url"
