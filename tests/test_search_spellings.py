"""The search page in headless Chromium, on a small site of its own: what a page writes one
way and a reader types another. A symbol that NFKC turns into several letters (㈱ → (株),
℡ → TEL, ½ → 1⁄2) leaves each word after it where the index counts it, so the page finds
and marks the word the reader asked for; a counter written ヶ, ケ, ヵ, か or カ (6ヶ月, 6か月)
finds each spelling; and a ward's ヶ is still ケ (保土ヶ谷 finds 保土ケ谷区)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from site_builder.pipeline import build_site
from tests.conftest import new_project
from tests.served_site import NOW, chromium, serve
from tests.test_search_page import search

CASE = """\
---
title: {title}
date: 2020-07-01
summary: {title}の記録です。
partners:
  - {{name: 町内会, type: community}}
  - {{name: 商店会, type: company}}
status: ongoing
{wards}---

{body}
"""
CASES = {
    "symbols": (
        "記号のあとの英字",
        "",
        "主催は㈱ミナト企画（℡ 045-000-0000）と NPO法人 Minato Lab。材料は½カップの Sugar です。",
    ),
    "months-kana": ("半年の講座", "", "講座は6か月続きます。"),
    "months-katakana": ("半年の教室", "", "教室は6カ月続きます。"),
    "months-small-ke": ("半年の研修", "", "研修は６ヶ月続きます。"),
    "months-large-ke": ("半年の実習", "", "実習は6ケ月続きます。"),
    "months-small-ka": ("半年の相談", "", "相談は6ヵ月続きます。"),
    "months-longer": ("一年以上の活動", "", "活動は16か月続きました。会場は6か所です。"),
    "places-kanji": ("三か所の拠点", "", "拠点は三ヶ所にあります。"),
    "ward-facet": ("区の活動", "wards: [hodogaya]\n", "区内で活動しています。"),
    "ward-small-ke": ("公園の清掃", "", "保土ヶ谷区の公園を清掃しました。"),
}
SIX_MONTHS = [f"/cases/months-{name}/" for name in ("kana", "katakana", "large-ke", "small-ka", "small-ke")]
HODOGAYA = ["/cases/ward-facet/", "/cases/ward-small-ke/"]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("spellings")
    (root / "project").mkdir()
    files = {
        f"cases/{slug}.md": CASE.format(title=title, wards=wards, body=body)
        for slug, (title, wards, body) in CASES.items()
    }
    project = new_project(root / "project", files)
    build_site(project, root / "site", NOW)
    with serve(root / "site") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium("--window-size=1280,900") as driver:
        driver.set_script_timeout(60)
        yield driver


def cases(driver, base: str, query: str) -> list[str]:
    return sorted(url for url in search(driver, base, q=query) if url.startswith("/cases/"))


def marks(driver) -> list[str]:
    return [mark.text for mark in driver.find_elements(By.CSS_SELECTOR, ".sb-result__excerpt mark")]


@pytest.mark.parametrize(("word", "marked"), [("Minato", "Minato"), ("Sugar", "Sugar"), ("TEL", "℡")])
def test_a_word_after_a_symbol_nfkc_spells_in_letters_is_found_and_marked(browser, site_url, word, marked):
    assert cases(browser, site_url, word) == ["/cases/symbols/"]
    assert set(marks(browser)) == {marked}


def test_a_whole_word_after_such_symbols_is_checked_at_its_own_place(browser, site_url):
    assert cases(browser, site_url, "NPO法") == ["/cases/symbols/"]
    assert cases(browser, site_url, "045-000") == ["/cases/symbols/"]
    assert cases(browser, site_url, '"Minato Lab"') == ["/cases/symbols/"]
    assert cases(browser, site_url, '"Minat Lab"') == []  # a word before the last is whole


@pytest.mark.parametrize("query", ["6ヶ月", "6か月", "6カ月", "6ケ月", "６ヵ月"])
def test_a_counter_finds_every_spelling_of_its_ka(browser, site_url, query):
    assert cases(browser, site_url, query) == SIX_MONTHS  # not 16か月, nor 6か所


def test_places_counted_in_kanji_find_each_other(browser, site_url):
    assert cases(browser, site_url, "三か所") == ["/cases/places-kanji/"]
    assert cases(browser, site_url, "6ヶ所") == ["/cases/months-longer/"]


@pytest.mark.parametrize("query", ["保土ヶ谷区", "保土ケ谷区", "保土ヶ谷", "保土ケ谷"])
def test_a_ward_s_small_ke_is_still_ke(browser, site_url, query):
    assert cases(browser, site_url, query) == HODOGAYA
