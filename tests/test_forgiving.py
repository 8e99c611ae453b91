"""Forgiving where it is safe, exact where it is not: full-width digits and separators
in dates, times and numbers are read as half-width; the YAML mistakes editors make
(a full-width colon, a tab, no space after ':') are named at the editor's line with
the fix, in both languages; nothing ends in a traceback."""

from __future__ import annotations

import pytest

from site_builder.content import dates
from site_builder.content.readers import read_content
from site_builder.content.reporter import Reporter
from site_builder.pipeline import check
from tests.conftest import new_project
from tests.test_validation import NOW, case, event

# --- full-width values are read as half-width ----------------------------------------------


def read(project, files: dict[str, str]) -> dict:
    """The validated models of ``files``, by path; the files must be valid."""
    root = project(files)
    reporter = Reporter(root)
    content = read_content(root, reporter)
    assert reporter.messages == []
    return {entry.path.relative_to(root).as_posix(): entry.meta for entry in content.all()}


HALF_WIDTH = {
    "cases/half.md": case("sdgs: [3, 11]\nstarted: 2020-06-01\n", **{"date: 2020-07-01": "date: 2020-07-01T10:00"}),
    "events/half.md": event("end: 2020-07-20T20:30\ncapacity: 30\nupdated: 2020-07-18T09:30+09:00\n"),
}
FULL_WIDTH = {
    "cases/full.md": case(
        "sdgs: [３, １１]\nstarted: ２０２０－０６－０１\n",
        **{"date: 2020-07-01": "date: ２０２０－０７－０１　１０：００"},
    ),
    "events/full.md": event(
        "end: ２０２０-０７-２０ ２０：３０\ncapacity: ３０\nupdated: ２０２０－０７－１８Ｔ０９：３０＋０９：００\n"
    ).replace("start: 2020-07-20T18:30", "start: 2020ー07ー20　18：30"),
}


def test_full_width_dates_times_and_numbers_equal_the_half_width_ones(project):
    meta = read(project, {**HALF_WIDTH, **FULL_WIDTH})
    assert meta["cases/full.md"] == meta["cases/half.md"]
    assert meta["events/full.md"] == meta["events/half.md"]
    assert (meta["cases/full.md"].sdgs, meta["events/full.md"].capacity) == ([3, 11], 30)


def test_full_width_values_build_the_same_pages(project, run_cli, tmp_path_factory):
    root = project({"cases/a.md": FULL_WIDTH["cases/full.md"], "events/a.md": FULL_WIDTH["events/full.md"]})
    half_root = new_project(
        tmp_path_factory.mktemp("half"),
        {"cases/a.md": HALF_WIDTH["cases/half.md"], "events/a.md": HALF_WIDTH["events/half.md"]},
    )
    for folder in (root, half_root):
        assert run_cli("--root", folder, "build", "--quiet", "--now", "2020-07-19T00:00")[0] == 0
    for page in ("cases/a/index.html", "events/a/index.html", "api/events.json"):
        assert (root / "site" / page).read_bytes() == (half_root / "site" / page).read_bytes(), page


@pytest.mark.parametrize("written", ["[３，１１]", "[3、11]", "[３、 １１]", "[３, 11]"])
def test_full_width_separators_in_an_sdg_list(project, written):
    (meta,) = read(project, {"cases/a.md": case(f"sdgs: {written}\n")}).values()
    assert meta.sdgs == [3, 11]


@pytest.mark.parametrize(
    "written, expected",
    [
        ("２０２１-０３-０１", "2021-03-01"),
        ("２０２１－０３－０１", "2021-03-01"),
        ("2021‐03‐01", "2021-03-01"),  # U+2010 HYPHEN
        ("2021−03−01", "2021-03-01"),  # U+2212 MINUS SIGN (a Mac's full-width '-')
        ("2021-03-01　10：00", "2021-03-01T10:00"),
        ("２０２１-０３-０１Ｔ１０：００Ｚ", "2021-03-01T10:00Z"),
    ],
)
def test_parse_time_reads_full_width_as_half_width(written, expected):
    assert dates.parse_time(written) == dates.parse_time(expected)


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("capacity: ３０人\n", "events/a.md:7: capacity: must be a whole number, got '３０人'"),
        ('capacity: "30"\n', "events/a.md:7: capacity: must be a whole number, got '30'"),
        ("capacity: ０\n", "events/a.md:7: capacity: must be greater than 0, got '０'"),
    ],
)
def test_numbers_stay_exact(project, extra, expected):
    assert check(project({"events/a.md": event(extra)}), NOW).messages == [expected]


def test_an_sdg_out_of_range_is_still_refused(project):
    assert check(project({"cases/a.md": case("sdgs: [１８]\n")}), NOW).messages == [
        "cases/a.md:11: sdgs[0]: must be at most 17, got 18"
    ]


def test_a_date_in_another_form_is_refused_with_the_form_to_write(project):
    files = {"events/a.md": event().replace("start: 2020-07-20T18:30", "start: 2020／7／20 18：30")}
    assert check(project(files), NOW).messages == [
        "events/a.md:5: start: expected a date like 2020-07-15 or 2020-07-15T10:00, got '2020／7／20 18：30'; "
        "write it as 2020-07-20T18:30"
    ]


# --- date messages in Japanese --------------------------------------------------------------


def test_an_impossible_date_is_told_in_japanese(project, run_cli):
    root = project({"cases/a.md": case().replace("date: 2020-07-01", "date: 2021-02-30")})
    code, _, err = run_cli("--root", root, "--lang", "ja", "check")
    assert code == 1
    assert err.splitlines() == [
        "cases/a.md:3: date: '2021-02-30' は存在しない日付です。2021-03-01 のように 年-月-日 で書いてください",
        "1件の誤りがあります。",
    ]


@pytest.mark.parametrize(
    "value, japanese",
    [
        (
            "2020-07-20T25:00",
            "'2020-07-20T25:00' は存在しない時刻です。"
            "時は 00〜23、分は 00〜59 で、2020-07-20T18:30 のように書いてください",
        ),
        (
            "2020/07/20",
            "'2020/07/20' は日付として読めません。2020-07-20 と書いてください（年-月-日 を「-」でつなぎます）",
        ),
        (
            "いつか",
            "'いつか' は日付として読めません。2020-07-15、時刻もあるときは 2020-07-15T10:00 のように書いてください",
        ),
        ("", "日付が書かれていません。2020-07-15 や 2020-07-15T10:00 のように書いてください。"),
    ],
)
def test_date_and_time_messages_in_japanese(project, run_cli, value, japanese):
    root = project({"events/a.md": event().replace("start: 2020-07-20T18:30", f"start: {value}".rstrip())})
    code, _, err = run_cli("--root", root, "--lang", "ja", "check")
    assert (code, err.splitlines()[0]) == (1, f"events/a.md:5: start: {japanese}")


def test_a_date_only_field_with_a_time_in_japanese(project):
    (error,) = check(project({"cases/a.md": case("started: 2020-07-01T10:00\n")}), NOW).errors
    assert (
        error.message.ja
        == "ここには時刻を付けず、日付だけを 2020-07-15 のように書いてください（いまは 2020-07-01T10:00）。"
    )


def test_a_malformed_now_is_told_in_japanese(project, run_cli):
    code, _, err = run_cli("--root", project(), "--lang", "ja", "next-change", "--now", "2020-13-01")
    assert (code, err.strip()) == (
        2,
        "エラー: '2020-13-01' は存在しない日付です。2021-03-01 のように 年-月-日 で書いてください",
    )


# --- YAML slips at the editor's line ----------------------------------------------------------

SLIPS = [
    pytest.param(
        case().replace("title: 地域", "title：地域"),
        "cases/a.md:2: front matter: full-width colon '：'; write a half-width ':' (title: 地域の居場所づくり)",
        "cases/a.md:2: front matter: 全角の「：」を半角の「:」にしてください（例: title: 地域の居場所づくり）",
        id="full-width-colon-first-line",
    ),
    pytest.param(  # YAML names line 4; the colon is on line 3
        case().replace("date: 2020", "date：2020"),
        "cases/a.md:3: front matter: full-width colon '：'; write a half-width ':' (date: 2020-07-01)",
        "cases/a.md:3: front matter: 全角の「：」を半角の「:」にしてください（例: date: 2020-07-01）",
        id="full-width-colon",
    ),
    pytest.param(
        "---\ntitle：横浜\n---\n",
        "cases/a.md:2: front matter: full-width colon '：'; write a half-width ':' (title: 横浜)",
        "cases/a.md:2: front matter: 全角の「：」を半角の「:」にしてください（例: title: 横浜）",
        id="full-width-colon-alone",
    ),
    pytest.param(
        case().replace("    type: npo", "    type：npo"),
        "cases/a.md:7: front matter: full-width colon '：'; write a half-width ':' (type: npo)",
        "cases/a.md:7: front matter: 全角の「：」を半角の「:」にしてください（例: type: npo）",
        id="full-width-colon-in-a-list",
    ),
    pytest.param(
        case().replace("    type: npo", "\ttype: npo"),
        "cases/a.md:7: front matter: a tab is used for indentation on this line; indent with spaces",
        "cases/a.md:7: front matter: "
        "この行の字下げにタブが使われています。タブではなく半角スペースで字下げしてください",
        id="tab",
    ),
    pytest.param(
        case().replace("  - name: 横浜市", "\t- name: 横浜市"),
        "cases/a.md:8: front matter: a tab is used for indentation on this line; indent with spaces",
        "cases/a.md:8: front matter: "
        "この行の字下げにタブが使われています。タブではなく半角スペースで字下げしてください",
        id="tab-before-a-list-entry",
    ),
    pytest.param(  # YAML names line 3
        case().replace("title: 地域", "title:地域"),
        "cases/a.md:2: front matter: put a space after ':' (title: 地域の居場所づくり)",
        "cases/a.md:2: front matter: 「:」のあとに半角スペースを入れてください（例: title: 地域の居場所づくり）",
        id="no-space",
    ),
    pytest.param(
        case().replace("status: ongoing", "status:ongoing"),
        "cases/a.md:10: front matter: put a space after ':' (status: ongoing)",
        "cases/a.md:10: front matter: 「:」のあとに半角スペースを入れてください（例: status: ongoing）",
        id="no-space-last-line",
    ),
    pytest.param(  # YAML reads it as text: the front matter is no list of fields
        "---\ntitle:横浜\n---\n",
        "cases/a.md:2: front matter: put a space after ':' (title: 横浜)",
        "cases/a.md:2: front matter: 「:」のあとに半角スペースを入れてください（例: title: 横浜）",
        id="no-space-alone",
    ),
    pytest.param(  # YAML reads it as more of the summary: title is missing
        case().replace("title: 地域の居場所づくり\n", "").replace("事例です。\n", "事例です。\n  title:横浜\n"),
        "cases/a.md:4: front matter: put a space after ':' (title: 横浜)",
        "cases/a.md:4: front matter: 「:」のあとに半角スペースを入れてください（例: title: 横浜）",
        id="no-space-read-as-text",
    ),
    pytest.param(
        case().replace("status: ongoing", "status:　ongoing"),
        "cases/a.md:10: front matter: the space after ':' is full-width; write a half-width space (status: ongoing)",
        "cases/a.md:10: front matter: "
        "「:」のあとのスペースが全角です。半角スペースにしてください（例: status: ongoing）",
        id="full-width-space-after-colon",
    ),
    pytest.param(  # YAML reads a field '　status': status is missing, '　status' unknown
        case().replace("status: ongoing", "　status: ongoing"),
        "cases/a.md:10: front matter: a full-width space is used for indentation on this line; "
        "indent with half-width spaces",
        "cases/a.md:10: front matter: この行の字下げに全角スペースが使われています。半角スペースで字下げしてください",
        id="full-width-space-indentation",
    ),
]


@pytest.mark.parametrize("text, english, japanese", SLIPS)
def test_yaml_slips_are_named_at_the_editors_line(project, run_cli, text, english, japanese):
    root = project({"cases/a.md": text})
    code, _, err = run_cli("--root", root, "check")
    assert (code, err.splitlines()) == (1, [english, "1 error; nothing was written"])
    code, _, err = run_cli("--root", root, "--lang", "ja", "check")
    assert (code, err.splitlines()) == (1, [japanese, "1件の誤りがあります。"])


def test_every_slip_near_the_error_is_listed(project):
    text = case().replace("title: 地域", "title：地域").replace("date: 2020", "date:2020")
    assert check(project({"cases/a.md": text}), NOW).messages == [
        "cases/a.md:2: front matter: full-width colon '：'; write a half-width ':' (title: 地域の居場所づくり)",
        "cases/a.md:3: front matter: put a space after ':' (date: 2020-07-01)",
    ]


def test_colons_in_addresses_and_values_are_no_slips(project):
    text = case(
        "tags:\n  - https://example.org/\n  - '会場：中区'\n", **{"summary: 子": "summary: 時間は10:00から。子"}
    )
    assert check(project({"cases/a.md": text}), NOW).messages == []


# --- other YAML errors in plain words --------------------------------------------------------

PLAIN = [
    pytest.param(
        case().replace("title: 地域の居場所づくり", 'title: "地域の居場所づくり'),
        "cases/a.md:2: front matter: a quote (\" or ') is not closed; end the value with the same quote on this line",
        "cases/a.md:2: front matter: "
        "引用符（\" または '）が閉じられていません。値の終わりにも同じ引用符を書いてください",
        id="unclosed-quote",
    ),
    pytest.param(
        case().replace("title: 地域の居場所づくり", "title 地域の居場所づくり"),
        "cases/a.md:2: front matter: this line is not 'field: value'; "
        "write the field name, ':' and a space, then the value (title: 横浜)",
        "cases/a.md:2: front matter: この行が「項目名: 値」の形になっていません。"
        "title: 横浜 のように、項目名のあとに半角の「:」と半角スペースを書いてください",
        id="no-colon-first-line",
    ),
    pytest.param(
        case().replace("summary: 子どもと高齢者が集う居場所の事例です。", "summary"),
        "cases/a.md:4: front matter: this line is not 'field: value'; "
        "write the field name, ':' and a space, then the value (title: 横浜)",
        "cases/a.md:4: front matter: この行が「項目名: 値」の形になっていません。"
        "title: 横浜 のように、項目名のあとに半角の「:」と半角スペースを書いてください",
        id="no-colon",
    ),
    pytest.param(
        case().replace("    type: npo", "  type: npo"),
        "cases/a.md:7: front matter: the indentation (spaces at the start of the line) does not match the lines "
        "above; line it up with the fields or '- ' entries it belongs with",
        "cases/a.md:7: front matter: 行頭のスペース（字下げ）が上の行とそろっていません。"
        "同じ階層の項目や「- 」の行と位置をそろえてください",
        id="indentation",
    ),
    pytest.param(
        case().replace("date: 2020", "  date: 2020"),
        "cases/a.md:3: front matter: the indentation (spaces at the start of the line) does not match the lines "
        "above; line it up with the fields or '- ' entries it belongs with",
        "cases/a.md:3: front matter: 行頭のスペース（字下げ）が上の行とそろっていません。"
        "同じ階層の項目や「- 」の行と位置をそろえてください",
        id="over-indented",
    ),
    pytest.param(
        case().replace("title: 地域の居場所づくり", "title: @yokohama"),
        "cases/a.md:2: front matter: a value cannot start with '@'; put the value in quotes (title: \"@yokohama\")",
        'cases/a.md:2: front matter: 値を「@」で始めることはできません。値全体を " " で囲んでください'
        '（例: title: "@yokohama"）',
        id="at-sign",
    ),
    pytest.param(
        case("tags: [居場所, 多世代\n"),
        "cases/a.md:11: front matter: '[' is not closed; end it with ']' on the same line, "
        "or put the value in quotes if it is text",
        "cases/a.md:11: front matter: 「[」が「]」で閉じられていません。同じ行の終わりに「]」を書くか、"
        '文字として書くなら値全体を " " で囲んでください',
        id="unclosed-bracket",
    ),
]


@pytest.mark.parametrize("text, english, japanese", PLAIN)
def test_other_yaml_errors_in_plain_words(project, run_cli, text, english, japanese):
    root = project({"cases/a.md": text})
    code, _, err = run_cli("--root", root, "check")
    assert (code, err.splitlines()[0]) == (1, english)
    code, _, err = run_cli("--root", root, "--lang", "ja", "check")
    assert (code, err.splitlines()[0]) == (1, japanese)


JARGON = ("YAML", "token", "scalar", "mapping", "expected ':'", "could not", "isoformat", "<block", "Traceback")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_parser_words_and_no_traceback(project, run_cli, language):
    texts = [param.values[0] for param in SLIPS + PLAIN]
    texts += [
        case().replace("date: 2020-07-01", f"date: {value}")
        for value in ("2020-02-30", "いつか", "[1]", "2020-07-01T10:00+25:00")
    ]
    root = project({f"cases/c{index}.md": text for index, text in enumerate(texts)})
    code, out, err = run_cli("--root", root, "--lang", language, "check")
    assert code == 1
    assert len(err.splitlines()) == len(texts) + 1  # one error each, and the count
    assert not [word for word in JARGON if word in out + err]
