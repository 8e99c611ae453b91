"""What the search index reads of a page, and the words a query is cut into: the same
rule in Python (site/search/text.py) and in the browser (theme/assets/search.js, run
here in Node)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from site_builder.site.search.text import (
    KANA_KANJI_RANGES,
    QUERY_EXAMPLES,
    ZERO_WIDTH_SPACE,
    cut_query,
    cut_words,
    index_key,
    query_sequence,
    query_terms,
    search_page,
)

SEARCH_JS = Path(__file__).resolve().parent.parent / "theme" / "assets" / "search.js"


def run_search_js(calls: list[list[str]]) -> list:
    """``[[function, argument, …], …]`` through ``window.sbSearch`` of search.js, in Node."""
    script = f"""
        const vm = require("vm"), fs = require("fs");
        const context = {{ window: {{ addEventListener() {{}} }} }};
        vm.runInNewContext(fs.readFileSync({json.dumps(str(SEARCH_JS))}, "utf8"), context);
        const calls = JSON.parse(fs.readFileSync(0, "utf8"));
        process.stdout.write(JSON.stringify(calls.map(([name, ...args]) => context.window.sbSearch[name](...args))));
    """
    result = subprocess.run(
        ["node", "-e", script], input=json.dumps(calls), capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(("query", "words"), QUERY_EXAMPLES.items())
def test_python_cuts_queries_into_pairs_and_words(query, words):
    assert cut_query(query) == words


def test_search_js_cuts_queries_as_python_does():
    queries = [*QUERY_EXAMPLES, '"居場所"', '"第2回 区"', "", "、。", "𠮷野家 ｶﾞｲﾄﾞ", "区", "鶴見区 NPO法", "10月 1日"]
    calls = [[name, query] for query in queries for name in ("cutQuery", "processTerm", "phrases")]
    results = iter(run_search_js(calls))
    for query in queries:
        words, terms, phrases = next(results), next(results), next(results)
        assert words == cut_query(query), query
        quoted = query.startswith('"')
        expected = " ".join(query_terms(query, phrase=quoted)) or query
        assert terms == (f'"{expected}"' if quoted and query_terms(query) else expected), query
        parts = [part for part in query.replace('"', " ").split() if len(cut_query(part, phrase=True)) > 1]
        assert phrases == [f'"{" ".join(query_terms(part, phrase=True))}"' for part in parts], query


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("鶴見区", ["鶴見", "見区"]),  # the page's 区 alone follows: not asked for
        ("鶴見区NPO", ["鶴見", "見区", "区", "NPO"]),  # in a row as the page has them
        ("NPO法", ["NPO"]),  # 法 begins a pair in the page (法人): asked for outside the phrase
        ("第2回", ["第", "2"]),
    ],
)
def test_a_phrase_asks_for_the_words_a_page_has_in_a_row(query, words):
    assert cut_query(query, phrase=True) == words


def test_a_page_has_each_run_s_last_character_alone():
    words, starts = cut_words("鶴見区の、NPO法人。区")
    assert words == ["鶴見", "見区", "区の", "の", "NPO", "法人", "人", "区"]
    assert starts == [0, 1, 2, 3, 5, 8, 9, 11]


def test_search_js_knows_kana_and_kanji_as_python_does():
    edges = sorted({cp for a, b in KANA_KANJI_RANGES for cp in (a - 1, a, b, b + 1)})
    queries = [chr(cp) * 2 for cp in edges]
    found = run_search_js([["cutQuery", query] for query in queries])
    assert found == [cut_query(query) for query in queries]
    assert [words for query, words in zip(queries, found, strict=True) if query[0] == "\u4e00"] == [["\u4e00\u4e00"]]


def test_pairs_are_kept_under_keys_no_segmenter_cuts():
    assert index_key("子ど") == ("_05b5003069", None)
    assert index_key("𠮷") == ("_20bb7_", None)  # one character: never the start of a pair's key
    assert index_key("ボラ") == index_key("ぼら") == ("_0307c03089", None)  # katakana as hiragana
    assert index_key("土ヶ") == index_key("土ケ") == index_key("土け")  # 保土ヶ谷 and 保土ケ谷
    assert query_terms("区") == ["_0533a"] and query_terms("区の", phrase=True) == ["_0533a0306e"]
    assert query_terms("第2回", phrase=True) == ["_07b2c_", "2"]
    assert index_key("Café") == ("cafe", "café")  # as Pagefind folds Latin words
    assert index_key("NPO") == ("npo", None)
    assert query_terms("NPO法人") == ["NPO", "_06cd504eba"]


def test_a_counter_s_ke_is_ka_and_a_ward_s_stays_ke():
    six_months = [query_terms(query) for query in ("6ヶ月", "6ケ月", "6か月", "6カ月", "6ヵ月", "６ヶ月")]
    assert six_months == [["6", "_0304b06708"]] * 6
    assert query_terms("三ヶ所") == query_terms("三か所") and query_terms("5ヶ国") == query_terms("5カ国")
    assert query_terms("保土ヶ谷区") == query_terms("保土ケ谷区") == query_terms("保土け谷区")
    assert query_terms("保土ヶ谷区") != query_terms("保土か谷区")
    words, starts = cut_words("6ヶ月の保土ヶ谷")
    assert words == ["6", "か月", "月の", "の保", "保土", "土ヶ", "ヶ谷", "谷"]
    assert starts == [0, 1, 2, 3, 4, 5, 6, 7]  # the page shows its own ヶ


def test_search_js_marks_a_found_pair_to_its_end():
    excerpt = "<mark>子</mark><mark>ど</mark><mark>も</mark><mark>食堂 &lt;</mark>試行 <mark>食</mark>堂と"
    found, sub, apart, alone, symbol, escaped = run_search_js(
        [
            ["markPairs", excerpt, True],
            ["markPairs", "<mark>居</mark>場", True],
            ["markPairs", "<mark>む、</mark><mark>次</mark>の", True],  # marks meet within kanji and kana only
            ["markPairs", "<mark>区</mark>役所", False],  # a character asked for alone is not a pair
            ["markPairs", "<mark>℡ </mark>045", False],  # TEL: a symbol alone stays marked
            ["markPairs", "a <mark>&lt;</mark>", False],
        ]
    )
    assert found == "<mark>子ども食堂</mark> &lt;試行 <mark>食堂</mark>と"
    assert sub == "<mark>居場</mark>"
    assert apart == "<mark>む</mark>、<mark>次の</mark>"
    assert alone == "<mark>区</mark>役所"
    assert symbol == "<mark>℡ </mark>045"
    assert escaped == "a <mark>&lt;</mark>"


@pytest.mark.parametrize(
    ("query", "parts", "keys"),
    [
        ("10月", ["10月"], [["10", "_06708"]]),  # 月 begins a word: 月 alone or 月曜
        ("第1", ["第1"], [["_07b2c_", "1"]]),  # 1 begins a word: 第154回
        ("NPO法", ["NPO法"], [["NPO", "_06cd5"]]),
        ("防災 zzz", ["防災", "zzz"], [["_096320707d"], ["zzz"]]),
        (
            '"子ども 食堂" 区',
            ["子ども食堂", "区"],
            [["_05b5003069", "_0306903082", "_03082098df", "_098df05802"], ["_0533a"]],
        ),
        ('"Café 2"', ["Café 2"], [["Café", "2"]]),
        ('"子ども', ["子ども"], [["_05b5003069", "_0306903082"]]),
        ("、。 保土ヶ谷区", ["保土ヶ谷区"], [["_04fdd0571f", "_0571f03051", "_0305108c37", "_08c370533a"]]),
        ("6ヶ月", ["6ヶ月"], [["6", "_0304b06708"]]),  # as 6か月 and 6カ月
        ("保土ケ谷", ["保土ケ谷"], [["_04fdd0571f", "_0571f03051", "_0305108c37"]]),
    ],
)
def test_search_js_asks_for_each_part_s_words_in_a_row(query, parts, keys):
    [found_parts, *found_keys] = run_search_js([["queryParts", query], *[["sequence", part] for part in parts]])
    assert found_parts == parts and found_keys == keys
    assert [query_sequence(part) for part in parts] == keys


def test_search_js_finds_keys_in_a_row():
    pages = [{"a": [3, 9], "b": [1]}, {"a": [10], "b": [2]}, {"a": [7], "b": [3]}]
    assert run_search_js([["inRow", pages]]) == [{"b": [1]}]  # a: 9, 10 but no 11


PAGE = """<!DOCTYPE html><html lang="ja"><head><title>頭 | センター</title>
<meta data-pagefind-meta="image[content]" content="/a.png"></head>
<body><header><p>サイト名</p></header><nav>ナビゲーション</nav>
<main><article data-pagefind-body>
<h1>子ども<wbr>食堂の<strong>居場所</strong>づくり</h1>
<p class="lead">南区で&amp;NPO法人が取り組む<a href="#x">協働</a>事例です。</p>
<dl><dt>地域</dt><dd><a data-pagefind-filter="ward">南区</a></dd></dl>
<nav data-pagefind-ignore>目次</nav>
<h2 id="背景">背景<a class="headerlink" href="#背景">¶</a></h2>
<p>参加者の声<sup><a class="footnote-ref">1</a></sup>。<span data-pagefind-ignore>隠す</span>以上</p>
<div class="footnote"><ol><li>注記です<a class="footnote-backref">↩</a></li></ol></div>
<span data-pagefind-sort="date:2024-05-23"></span>
<div data-pagefind-ignore="all"><span data-pagefind-filter="ward">西区</span></div>
</article></main><footer>フッター</footer></body></html>"""


@pytest.fixture(scope="module")
def page():
    return search_page("/cases/a/", PAGE.encode("utf-8"))


def test_only_the_content_region_is_read(page):
    shown = page.shown.replace(ZERO_WIDTH_SPACE, "")
    assert shown == (
        "子ども食堂の居場所づくり 南区で&NPO法人が取り組む協働事例です。 地域 南区 背景 参加者の声1。以上 注記です"
    )
    for outside in ("サイト名", "ナビゲーション", "目次", "¶", "↩", "隠す", "フッター", "西区"):
        assert outside not in shown and not [word for word in page.words if len(word) > 1 and word in outside]


def test_each_word_has_its_piece_of_the_text_as_shown(page):
    pieces = page.shown.split(ZERO_WIDTH_SPACE)
    assert len(pieces) == len(page.words)
    assert pieces[:6] == ["子", "ど", "も", "食", "堂", "の"]
    assert page.words[:6] == ["子ど", "ども", "も食", "食堂", "堂の", "の居"]  # <wbr> and <strong> join
    assert [(page.words[i], pieces[i]) for i in range(len(pieces)) if page.words[i] == "NPO"] == [("NPO", "NPO")]


def test_headings_weigh_more_and_name_their_sections(page):
    heading = page.words.index("背景")
    h1, h2 = dict.fromkeys(range(12), 7 * 24), dict.fromkeys((heading, heading + 1), 6 * 24)
    assert page.weighted == {**h1, **h2}  # h1: 11 pairs and り alone; h2: 背景 and 景
    assert page.anchors == [{"element": "h2", "id": "背景", "text": "背景", "location": heading}]


def test_title_filters_metadata_and_sort_are_read_as_pagefind_reads_them(page):
    assert page.meta == {"image": "/a.png", "title": "子ども食堂の居場所づくり"}
    assert page.filters == {"ward": ["南区"]}
    assert page.sort == {"date": "2024-05-23"}
    assert page.language == "ja"


def test_a_page_without_a_content_region_is_not_read():
    assert search_page("/cases/", b"<html><body><main><h1>Cases</h1></main></body></html>") is None


def test_the_title_is_named_or_the_first_heading_or_the_title_element():
    named = b'<html><body><h1 data-pagefind-meta="title">Named</h1><div data-pagefind-body><h1>Body</h1></div>'
    assert search_page("/a/", named).meta["title"] == "Named"
    untitled = b"<html><head><title>Tab</title></head><body><div data-pagefind-body><p>x</p></div>"
    assert search_page("/b/", untitled).meta["title"] == "Tab"
    assert search_page("/b/", untitled).language == "unknown"
