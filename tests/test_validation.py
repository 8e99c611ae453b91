"""`site-builder check`: one small bad-content fixture per error kind, each asserting
the exact `path:line: field: message` (line counted in the whole file), and files
written to the content contract that must be accepted."""

from __future__ import annotations

import pytest

from site_builder.content import dates
from site_builder.pipeline import check
from tests.conftest import PROJECT

NOW = dates.resolve_now(None)  # as `site-builder check` without --now: the clock

# Line 1 `---` … line 10 `status`; lines passed as `extra` start at line 11.
CASE = """\
---
title: 地域の居場所づくり
date: 2020-07-01
summary: 子どもと高齢者が集う居場所の事例です。
partners:
  - name: NPO法人みなと
    type: npo
  - name: 横浜市 中区役所
    type: government
status: ongoing
{extra}---
本文
"""
# Line 1 `---` … line 6 `venue`; lines passed as `extra` start at line 7.
EVENT = """\
---
title: オープンダイアログ③
date: 2020-07-01
summary: 協働について話しあう会です。
start: 2020-07-20T18:30
venue: 横浜市市民協働推進センター
{extra}---
"""
# An issue page whose dataset `file` (line 7) is a CSV relative to content/.
ISSUE = """\
---
title: 人口の移り変わり
date: 2020-07-01
summary: 区ごとの人口です。
datasets:
  - id: population
    file: data/population.csv
    source: 横浜市
    source_url: https://www.city.yokohama.lg.jp/
    license: CC BY 4.0
charts:
  - dataset: population
    type: bar
    x: 区
    y: 人口総数[人]
    title: 区別の人口
---
"""
PARTNER_B = "  - name: 横浜市 中区役所\n    type: government\n"


def case(extra: str = "", **replace: str) -> str:
    text = CASE.format(extra=extra)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def event(extra: str = "") -> str:
    return EVENT.format(extra=extra)


def messages(project, files: dict[str, str | bytes]) -> list[str]:
    return check(project(files), NOW).messages


BAD = [
    pytest.param(
        {"cases/a.md": "---\ntitle: [居場所\ndate: 2020-07-01\n---\n"},
        [
            "cases/a.md:2: front matter: '[' is not closed; end it with ']' on the same line, "
            "or put the value in quotes if it is text"
        ],
        id="broken-yaml",
    ),
    pytest.param(
        {"cases/a.md": "---\ntitle: 居場所: 中区\n---\n"},
        ["cases/a.md:2: front matter: the value contains ': '; put the value in quotes (title: \"居場所: 中区\")"],
        id="broken-yaml-colon",
    ),
    pytest.param(
        {"cases/a.md": case().encode("shift_jis")},
        ["cases/a.md:2: file: not UTF-8 text (it looks like Shift_JIS): byte 0x92; save the file as UTF-8"],
        id="shift-jis",
    ),
    pytest.param(
        {"content/about.md": "# センターについて\n"},
        ["content/about.md:1: front matter: missing: the file must start with a '---' line"],
        id="no-front-matter",
    ),
    pytest.param(
        {"cases/a.md": "---\ntitle: 居場所\ndate: 2020-07-01\n"},
        ["cases/a.md:1: front matter: not closed: add a '---' line after it"],
        id="unclosed-front-matter",
    ),
    pytest.param(
        {"cases/a.md": "---\n- 居場所\n---\n"},
        ["cases/a.md:2: front matter: must be a mapping of 'field: value' lines"],
        id="front-matter-not-mapping",
    ),
    pytest.param(
        {"cases/a.md": case().replace("status: ongoing\n", "")},
        ["cases/a.md:1: status: required field is missing"],
        id="missing-field",
    ),
    pytest.param(
        {"cases/a.md": case().replace("title: 地域の居場所づくり", "title:")},
        ["cases/a.md:2: title: must not be empty"],
        id="empty-title",
    ),
    pytest.param({"cases/a.md": case("colour: red\n")}, ["cases/a.md:11: colour: unknown field"], id="unknown-field"),
    pytest.param(
        {"cases/a.md": case("summery: 概要\n")},
        ["cases/a.md:11: summery: unknown field (did you mean 'summary'?)"],
        id="unknown-field-typo",
    ),
    pytest.param(
        {"cases/a.md": case().replace("    type: npo\n", "    type: npo\n    nmae: 別名\n")},
        ["cases/a.md:8: partners[0].nmae: unknown field (did you mean 'name'?)"],
        id="unknown-nested-field",
    ),
    pytest.param(
        {"events/a.md": event('capacity: "百"\n')},
        ["events/a.md:7: capacity: must be a whole number, got '百'"],
        id="capacity-not-a-number",
    ),
    pytest.param(
        {"events/a.md": event("capacity: 0\n")},
        ["events/a.md:7: capacity: must be greater than 0, got 0"],
        id="capacity-zero",
    ),
    pytest.param(
        {"cases/a.md": case().replace("title: 地域の居場所づくり", "title: 2020")},
        ["cases/a.md:2: title: must be text, got 2020 (put it in quotes to keep it as text)"],
        id="title-number",
    ),
    pytest.param(
        {"cases/a.md": case("draft: maybe\n")},
        ["cases/a.md:11: draft: must be true or false, got 'maybe'"],
        id="draft-not-bool",
    ),
    pytest.param(
        {"cases/a.md": case("tags: 防災\n")}, ["cases/a.md:11: tags: must be a list, got '防災'"], id="tags-not-list"
    ),
    pytest.param(
        {"cases/a.md": case().replace("date: 2020-07-01", "date: 2020-02-30")},
        [
            "cases/a.md:3: date: '2020-02-30' is not a real date; "
            "write a date that exists, like 2021-03-01 (year-month-day)"
        ],
        id="impossible-date",
    ),
    pytest.param(
        {"events/a.md": event().replace("T18:30", "T25:00")},
        [
            "events/a.md:5: start: '2020-07-20T25:00' is not a real time of day; "
            "hours go from 00 to 23 and minutes from 00 to 59, like 2020-07-20T18:30"
        ],
        id="impossible-time",
    ),
    pytest.param(
        {"cases/a.md": case().replace("date: 2020-07-01", "date: 2020/07/01")},
        [
            "cases/a.md:3: date: expected a date like 2020-07-15 or 2020-07-15T10:00, got '2020/07/01'; "
            "write it as 2020-07-01"
        ],
        id="malformed-date",
    ),
    pytest.param(
        {"cases/a.md": case().replace("date: 2020-07-01", "date:")},
        ["cases/a.md:3: date: must not be empty: write a date like 2020-07-15 or 2020-07-15T10:00"],
        id="empty-date",
    ),
    pytest.param(
        {"cases/a.md": case("started: 2020-07-01T10:00\n")},
        ["cases/a.md:11: started: expected a date like 2020-07-15, got '2020-07-01T10:00'"],
        id="started-with-time",
    ),
    pytest.param(
        {"events/a.md": event("end: 2020-07-20T17:00\n")},
        ["events/a.md:7: end: end is before start"],
        id="end-before-start",
    ),
    pytest.param(
        {"events/a.md": event("end: 2020-07-20T17:00\ncapacity: 0\n")},
        ["events/a.md:7: end: end is before start", "events/a.md:8: capacity: must be greater than 0, got 0"],
        id="end-before-start-beside-another-error",
    ),
    pytest.param(
        {"events/a.md": event("end: 2020-07-21\n")},
        ["events/a.md:7: end: start and end must both be dates or both be date-times"],
        id="end-date-with-start-time",
    ),
    pytest.param(
        {"events/a.md": event().replace("venue: 横浜市市民協働推進センター\n", "")},
        ["events/a.md:1: venue: an event needs a venue or online (or both)"],
        id="no-venue-no-online",
    ),
    pytest.param(
        {"events/a.md": event("online: zoom\n")},
        ["events/a.md:7: online: not an http(s) URL: 'zoom'"],
        id="online-not-url",
    ),
    pytest.param(
        {"events/a.md": event("status: canceled\n")},
        [
            "events/a.md:7: status: must be one of 'scheduled', 'cancelled', 'postponed' "
            "or 'moved-online', got 'canceled'"
        ],
        id="event-status",
    ),
    pytest.param(
        {"cases/a.md": case("wards: [naka, shibuya]\n")},
        [
            "cases/a.md:11: wards[1]: unknown ward id 'shibuya'; use one of tsurumi, kanagawa, nishi, naka, minami, "
            "konan, hodogaya, asahi, isogo, kanazawa, kohoku, midori, "
            "aoba, tsuzuki, totsuka, sakae, izumi, seya or citywide"
        ],
        id="unknown-ward",
    ),
    pytest.param(
        {"cases/a.md": case().replace(PARTNER_B, "")},
        ["cases/a.md:5: partners: needs at least 2 entries, got 1"],
        id="one-partner",
    ),
    pytest.param(
        {"cases/a.md": case().replace("type: government", "type: ngo")},
        [
            "cases/a.md:9: partners[1].type: must be one of 'npo', 'company', 'university', 'government', "
            "'community' or 'other', got 'ngo'"
        ],
        id="partner-type",
    ),
    pytest.param(
        {"cases/a.md": case().replace("type: government", "type: government\n    url: ftp://example.org/")},
        ["cases/a.md:10: partners[1].url: not an http(s) URL: 'ftp://example.org/'"],
        id="partner-url",
    ),
    pytest.param(
        {"cases/a.md": case("sdgs: [3, 18]\n")},
        ["cases/a.md:11: sdgs[1]: must be at most 17, got 18"],
        id="sdgs-above-17",
    ),
    pytest.param(
        {"cases/a.md": case("sdgs:\n  - 0\n")}, ["cases/a.md:12: sdgs[0]: must be at least 1, got 0"], id="sdgs-below-1"
    ),
    pytest.param(
        {"cases/a.md": case("slug: Ibasho_2020\n")},
        ["cases/a.md:11: slug: unsafe slug 'Ibasho_2020': use only a-z, 0-9 and single '-' between them"],
        id="unsafe-slug-field",
    ),
    pytest.param(
        {"cases/Foo Bar.md": case()},
        [
            "cases/Foo Bar.md:1: slug: unsafe slug 'Foo Bar' (from the file name): use only a-z, 0-9 and "
            "single '-' between them; rename the file or set slug"
        ],
        id="unsafe-slug-file-name",
    ),
    pytest.param(
        {"content/Kyodo Guide/index.md": "---\ntitle: 案内\ndate: 2020-07-01\nsummary: 案内\n---\n"},
        [
            "content/Kyodo Guide/index.md:1: slug: unsafe slug 'Kyodo Guide' (from the file name): use only a-z, "
            "0-9 and single '-' between them; rename the file or set slug"
        ],
        id="unsafe-page-folder",
    ),
    pytest.param(
        {"cases/a.md": case("slug: ibasho\n"), "cases/b.md": case("slug: ibasho\n")},
        ["cases/b.md:11: slug: duplicate slug 'ibasho': cases/a.md has the URL /cases/ibasho/ already"],
        id="duplicate-slug",
    ),
    pytest.param(
        {"cases/ibasho.md": case(), "cases/another.md": case("slug: ibasho\n")},
        ["cases/ibasho.md:1: slug: duplicate slug 'ibasho': cases/another.md has the URL /cases/ibasho/ already"],
        id="duplicate-slug-file-name",
    ),
    pytest.param(
        {"content/cases.md": "---\ntitle: 事例\ndate: 2020-07-01\nsummary: 事例\n---\n"},
        ["content/cases.md:1: slug: the page URL /cases/ is reserved for generated pages"],
        id="reserved-page-url",
    ),
    pytest.param(
        {"cases/a.md": case("image: images/photo.png\n")},
        ["cases/a.md:11: image_alt: required when image is set"],
        id="image-without-alt",
    ),
    pytest.param(
        {"cases/a.md": case("image: images/photo.png\nimage_alt: 集まりの様子\n")},
        ["cases/a.md:11: image: file not found: images/photo.png"],
        id="image-not-found",
    ),
    pytest.param(
        {"cases/a.md": case("sns:\n  - network: x\n    text: " + "あ" * 141 + "\n")},
        ["cases/a.md:13: sns[0].text: text is 282 weighted characters, over x's limit of 280"],
        id="sns-x-too-long",
    ),
    pytest.param(
        {"cases/a.md": case("sns:\n  - network: x\n    text: " + "あ" * 129 + " https://example.org/\n")},
        ["cases/a.md:13: sns[0].text: text is 282 weighted characters, over x's limit of 280"],
        id="sns-x-url-weighs-23",
    ),
    pytest.param(
        {"cases/a.md": case("sns:\n  - network: bluesky\n    text: " + "あ" * 301 + "\n")},
        ["cases/a.md:13: sns[0].text: text is 301 characters, over bluesky's limit of 300"],
        id="sns-bluesky-too-long",
    ),
    pytest.param(
        {"cases/a.md": case("sns:\n  - network: mastodon\n    text: " + "a" * 501 + "\n")},
        ["cases/a.md:13: sns[0].text: text is 501 characters, over mastodon's limit of 500"],
        id="sns-mastodon-too-long",
    ),
    pytest.param(
        {"cases/a.md": case("sns:\n  - network: twitter\n")},
        ["cases/a.md:12: sns[0].network: must be one of 'x', 'facebook', 'mastodon' or 'bluesky', got 'twitter'"],
        id="sns-network",
    ),
    pytest.param(
        {"cases/a.md": case("sns: true\n")},
        ["cases/a.md:11: sns: must be false or a list of posts ({network, at?, text?})"],
        id="sns-true",
    ),
    pytest.param(
        {"content/issues/population.md": ISSUE},
        ["content/issues/population.md:7: datasets[0].file: file not found: content/data/population.csv"],
        id="dataset-file-not-found",
    ),
    pytest.param(
        {
            "content/issues/population.md": ISSUE.replace("  - dataset: population", "  - dataset: jinko"),
            "content/data/population.csv": '区,人口総数[人]\n中区,"151,388"\n',
        },
        ["content/issues/population.md:12: charts[0].dataset: unknown dataset 'jinko'; define it under datasets"],
        id="chart-unknown-dataset",
    ),
    pytest.param(
        {"cases/a.md": case().replace("title: 地域の居場所づくり", "title: " + "居" * 101)},
        ["cases/a.md:2: title: must be at most 100 characters, got 101"],
        id="title-too-long",
    ),
    pytest.param(
        {"cases/a.md": case().replace("summary: 子どもと高齢者が集う居場所の事例です。", "summary: " + "概" * 201)},
        ["cases/a.md:4: summary: must be at most 200 characters, got 201"],
        id="summary-too-long",
    ),
    pytest.param(
        {"cases/a.md": case("title: もう一つの題\n")},
        ["cases/a.md:11: title: duplicate field (first set on line 2)"],
        id="duplicate-key",
    ),
    pytest.param(
        {"cases/a.md": case().replace("    type: npo\n", "    type: npo\n    type: company\n")},
        ["cases/a.md:8: partners[0].type: duplicate field (first set on line 7)"],
        id="duplicate-nested-key",
    ),
]


@pytest.mark.parametrize("files, expected", BAD)
def test_each_error_kind_has_its_exact_message(project, files, expected):
    assert messages(project, files) == expected


def test_all_errors_of_all_files_in_one_run_sorted_exit_1_no_traceback(project, run_cli):
    root = project(
        {
            "events/z.md": event("end: 2020-07-20T17:00\n"),
            "cases/b.md": case("sdgs: [18]\ncolour: red\n", **{"type: government": "type: ngo"}),
            "cases/a.md": case().replace(PARTNER_B, ""),
            "content/news/n.md": "---\ntitle: お知らせ\n",
            "cases/ok.md": case(),
        }
    )
    code, out, err = run_cli("--root", root, "check")
    assert code == 1
    assert "Traceback" not in out + err
    expected = [
        "cases/a.md:5: partners: needs at least 2 entries, got 1",
        "cases/b.md:9: partners[1].type: must be one of 'npo', 'company', 'university', 'government', "
        "'community' or 'other', got 'ngo'",
        "cases/b.md:11: sdgs[0]: must be at most 17, got 18",
        "cases/b.md:12: colour: unknown field",
        "content/news/n.md:1: front matter: not closed: add a '---' line after it",
        "events/z.md:7: end: end is before start",
    ]
    assert err.splitlines() == [*expected, "6 errors; nothing was written"]


# Every field the contract offers, in the forms it allows.
VALID = {
    "cases/full.md": """\
        ---
        title: 地域の居場所づくり
        date: 2020-07-15T10:00+09:00
        summary: 概要です。
        slug: ibasho
        draft: false
        image: images/photo.png
        image_alt: 集まりの様子
        tags: [居場所, 子ども]
        sns:
          - network: x
            at: 2020-07-16T12:00
            text: 居場所の事例を公開しました https://example.org/
          - network: mastodon
          - network: bluesky
            at: 2020-07-17
          - network: facebook
        partners:
          - name: NPO法人みなと
            type: npo
            url: https://example.org/
          - name: 横浜市
            type: government
          - {name: 〇〇大学, type: university}
        wards: citywide
        sdgs: [1, 17]
        status: completed
        started: 2019-04-01
        ---
        本文
        """,
    "cases/images/photo.png": b"\x89PNG\r\n\x1a\n",
    "cases/wards.md": case(
        "wards: [naka, citywide]\nsns: false\nsdgs: []\n",
        **{"status: ongoing": "status: proposal", "date: 2020-07-01": "date: 2020-07-15T01:00Z"},
    ),
    "cases/crlf-bom.md": "\ufeff"
    + case("tags: []\n", **{"date: 2020-07-01": "date: 2020-07-15 10:00:00"}).replace("\n", "\r\n"),
    "cases/sns-at-limit.md": case(
        "sns:\n  - network: x\n    text: "
        + "あ" * 140
        + "\n  - network: bluesky\n    text: "
        + "あ" * 300
        + "\n  - network: mastodon\n    text: "
        + "a" * 476
        + " https://example.org/\n"
    ),
    "events/all-day.md": event("end: 2020-07-22\nonline: true\nstatus: moved-online\n")
    .replace("T18:30", "")
    .replace("venue: 横浜市市民協働推進センター\n", ""),
    "events/full.md": event(
        "end: 2020-07-20T18:30\naddress: 横浜市中区本町6-50-10\nonline: https://zoom.example/j/1\n"
        "capacity: 30\nfee: 無料\nregistration: https://forms.example/x\nseries: mirai-link\nstatus: cancelled\n"
    ),
    "events/online-only.md": event("online: https://zoom.example/j/2\nstatus: postponed\n").replace(
        "venue: 横浜市市民協働推進センター\n", ""
    ),
    "content/news/ibasho.md": "---\ntitle: お知らせ\ndate: 2020-07-01\nsummary: 同じ slug でも"
    "種類が違えば別の URL です。\n---\n",
    "content/issues/population.md": ISSUE.replace(
        "    license: CC BY 4.0\n", "    license: CC BY 4.0\n    retrieved: 2020-06-01\n    encoding: cp932\n"
    ).replace("    y: 人口総数[人]\n", "    y:\n      - 人口総数[人]\n      - 世帯数\n    caption: 出典：横浜市\n"),
    "content/data/population.csv": '区,人口総数[人],世帯数\n中区,"151,388","87,000"\n'.encode("cp932"),
    "content/about/index.md": "---\ntitle: センターについて\ndate: 2020-07-01\nsummary: 概要\n---\n",
}


def test_files_written_to_the_contract_are_accepted(project):
    assert messages(project, VALID) == []


def test_the_repository_content_is_valid():
    assert check(PROJECT, NOW).messages == []
