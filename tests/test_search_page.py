"""The search page in headless Chromium, on the project's own content (tests/served_site.py):
what readers type finds exactly the item pages that contain it; results show their kind,
date, status and wards with a clean excerpt; the form narrows by kind, ward and year, as
a plain form whose address can be shared; nothing found suggests what to drop and where
to browse; the header's box and ``?q=`` keep working.

What a page contains is read here from its HTML with lxml (the content region Pagefind's
attribute marks, without what it marks to ignore), independently of the index's code.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
import urllib.parse
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.content.dates import TOKYO, as_instant
from site_builder.content.wards import AREA_NAMES
from site_builder.pipeline import build_site
from tests.conftest import new_project
from tests.served_site import EVENT_CANCELLED, ITEM_FOLDERS, NOW, PROJECT, chromium, item_texts, serve
from tests.test_browser import describe, front_matter, open_page, run_axe

ITEMS = ITEM_FOLDERS
# The sample's queries, by the kind of thing readers type, and the item pages each must find:
# exactly these (tests check too that these are the pages that contain the query).
TRIAL_STUDIO = [
    "/cases/food-loss-trial-studio/",
    "/events/trial-studio-2020-1/",
    "/events/trial-studio-2020-2/",
    "/events/trial-studio-2027-02/",
    "/news/community-app-development/",
    "/news/site-open/",
]
NPO_HOUJIN = [
    "/cases/food-loss-trial-studio/",
    "/cases/jichikai-npo-ibasho/",
    "/cases/kodomo-shokudo-manabi/",
    "/cases/tagengo-bosai/",
    "/cases/university-shotengai/",
]
RECALL = {
    # kanji compounds
    "子ども食堂": ["/cases/food-loss-trial-studio/", "/cases/kodomo-shokudo-manabi/"],
    "大学生": [
        "/cases/food-loss-trial-studio/",
        "/cases/kodomo-shokudo-manabi/",
        "/cases/university-shotengai/",
        "/events/trial-studio-2020-1/",
    ],
    "見守り": [
        "/cases/open-data-chiiki-karte/",
        "/events/mirai-link-2027-01/",
        "/events/open-dialogue-2020-2/",
        "/issues/aging/",
    ],
    "商店街": ["/cases/university-shotengai/", "/events/mirai-link-2020-2/", "/events/trial-studio-2027-02/"],
    # katakana, hiragana, mixed script, full width and half width
    "リビングラボ": ["/cases/living-lab-mobility/", "/events/mirai-link-2020-1/", "/events/mirai-link-2027-01/"],
    "ボランティア": [
        "/cases/food-loss-trial-studio/",
        "/cases/kodomo-shokudo-manabi/",
        "/cases/living-lab-mobility/",
        "/events/trial-studio-2020-2/",
    ],
    "まちづくり": [
        "/cases/jichikai-npo-ibasho/",
        "/cases/living-lab-mobility/",
        "/cases/open-data-chiiki-karte/",
        "/cases/tagengo-bosai/",
        "/cases/university-shotengai/",
        "/events/mirai-link-2020-1/",
        "/events/open-dialogue-2027-03/",
    ],
    "NPO法人": NPO_HOUJIN,
    "ＮＰＯ法人": NPO_HOUJIN,
    "ﾄﾗｲｱﾙｽﾀｼﾞｵ": TRIAL_STUDIO,
    # ward names, with and without 区; event series; partners; status
    "青葉区": ["/cases/living-lab-mobility/", "/issues/ward-population/"],
    "鶴見": ["/issues/ward-population/"],
    "トライアルスタジオ": TRIAL_STUDIO,
    "商店街振興組合": ["/cases/university-shotengai/", "/events/mirai-link-2020-2/"],
    "地域ケアプラザ": ["/cases/jichikai-npo-ibasho/", "/events/open-dialogue-2020-2/"],
    "中止": ["/events/public-action-2020-04/", "/events/public-action-2020-05/"],
    "実施中": ["/cases/jichikai-npo-ibasho/", "/cases/kodomo-shokudo-manabi/", "/cases/living-lab-mobility/"],
    # two words
    "子ども食堂 学習支援": ["/cases/kodomo-shokudo-manabi/"],
    "防災 訓練": ["/cases/tagengo-bosai/", "/events/open-dialogue-2027-03/"],
    # dates and numbers: a word of digits and a character after it, in a row; a last word
    # of digits begins a word (第1 finds 第154回 as well as 第1回)
    "10月": [
        "/cases/food-loss-trial-studio/",
        "/cases/jichikai-npo-ibasho/",
        "/cases/kodomo-shokudo-manabi/",
        "/cases/university-shotengai/",
        "/events/mirai-link-2020-2/",
        "/events/public-action-2026-06/",
        "/issues/households/",
        "/issues/ward-population/",
    ],
    "第1回": [
        "/events/mirai-link-2020-1/",
        "/events/open-dialogue-2020-1/",
        "/events/public-action-2020-01/",
        "/events/trial-studio-2020-1/",
    ],
    "第1": [
        "/events/mirai-link-2020-1/",
        "/events/mirai-link-2027-01/",
        "/events/open-dialogue-2020-1/",
        "/events/public-action-2020-01/",
        "/events/trial-studio-2020-1/",
        "/news/year-end-closure-2026/",
    ],
    "NPO法": NPO_HOUJIN,
    # a word no page has: nothing, whatever the other words find
    "防災 zzz": [],
    "npos": [],
}


def containing(texts: dict[str, str], query: str) -> list[str]:
    words = unicodedata.normalize("NFKC", query).split()
    return sorted(url for url, text in texts.items() if all(word in text for word in words))


@pytest.fixture(scope="module")
def browser():
    with chromium("--window-size=1280,900") as driver:
        driver.set_script_timeout(60)
        yield driver


def finished(driver) -> None:
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.getElementById('sb-search-status').dataset.done === 'true'")
    )


def search(driver, base_url: str, **params: str) -> list[str]:
    """Opens the search page with ``params`` in its address; the paths of every result, in
    order (after pressing さらに表示 until all are shown)."""
    query = urllib.parse.urlencode(params)
    console = open_page(driver, f"{base_url}/search/" + (f"?{query}" if query else ""))
    finished(driver)
    return every_result(driver, console)


def every_result(driver, console: list[dict] | None = None) -> list[str]:
    while True:
        more = driver.find_element(By.ID, "sb-search-more")
        if not more.is_displayed():
            break
        shown = len(driver.find_elements(By.CSS_SELECTOR, ".sb-result"))
        more.click()
        WebDriverWait(driver, 20).until(lambda d, n=shown: len(d.find_elements(By.CSS_SELECTOR, ".sb-result")) > n)
    links = driver.find_elements(By.CSS_SELECTOR, "#sb-search-results .sb-result__link")
    console = (console or []) + driver.get_log("browser")
    assert not [entry for entry in console if entry["level"] == "SEVERE"], console
    count = int(driver.find_element(By.ID, "sb-search-status").get_attribute("data-count"))
    assert count == len(links)
    return [urllib.parse.urlsplit(link.get_attribute("href")).path for link in links]


@pytest.fixture(scope="module")
def texts(project_site: Path) -> dict[str, str]:
    return item_texts(project_site)


@pytest.mark.parametrize("query", RECALL)
def test_the_expected_pages_are_those_that_contain_the_query(texts, query):
    assert RECALL[query] == containing(texts, query)


def test_each_query_finds_exactly_the_item_pages_that_contain_it(browser, project_url, texts):
    missed, other = {}, {}
    for query, expected in RECALL.items():
        found = [url for url in search(browser, project_url, q=query) if url.startswith(ITEMS)]
        if set(expected) - set(found):
            missed[query] = sorted(set(expected) - set(found))
        if set(found) - set(expected):
            other[query] = sorted(set(found) - set(expected))
    assert not missed, f"not found: {missed}"
    assert not other, f"found but without the query: {other}"


def published(folder: str) -> dict[str, dict]:
    """``{url: front matter}`` of the public items in ``folder`` at :data:`NOW`, read with PyYAML."""
    items = {}
    for path in sorted((PROJECT / folder).glob("*.md")):
        front = front_matter(path)
        if front.get("draft") or as_instant(local(front["date"])) > NOW:
            continue
        items[f"/{folder.split('/')[-1]}/{front.get('slug', path.stem)}/"] = front
    return items


def local(value: dt.date | dt.datetime | str) -> dt.date | dt.datetime:
    """A time without an offset, as the contract reads it: Yokohama's (PyYAML leaves
    ``2020-07-15T10:00`` a string)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    return value.replace(tzinfo=TOKYO) if isinstance(value, dt.datetime) and value.tzinfo is None else value


def year_of(value: dt.date | dt.datetime) -> int:
    return (as_instant(local(value)).astimezone(TOKYO)).year


def test_a_result_shows_its_kind_date_status_wards_and_a_clean_excerpt(browser, project_url):
    found = search(browser, project_url, q="子ども食堂")
    cases = published("cases")
    first = browser.find_elements(By.CSS_SELECTOR, ".sb-result")[found.index("/cases/kodomo-shokudo-manabi/")]
    front = cases["/cases/kodomo-shokudo-manabi/"]
    facts = first.find_element(By.CSS_SELECTOR, ".sb-result__meta").text
    assert facts.startswith("事例 実施中 ")  # kind and status badges
    date = local(front["date"])
    assert f"{date.year}年{date.month}月{date.day}日" in facts
    assert facts.endswith("・".join(AREA_NAMES[ward] for ward in front["wards"]))
    title = first.find_element(By.CSS_SELECTOR, ".sb-result__link").text
    assert title == front["title"]  # < & " shown as written, not read as markup
    marks = [mark.text for mark in first.find_elements(By.CSS_SELECTOR, ".sb-result__excerpt mark")]
    assert marks and set(marks) == {"子ども食堂"}  # the whole match highlighted, pair by pair joined
    shown = browser.find_element(By.ID, "sb-search-results").text
    assert "¶" not in shown and "↩" not in shown
    for result in browser.find_elements(By.CSS_SELECTOR, ".sb-result"):
        badge = result.find_element(By.CSS_SELECTOR, ".sb-badge--kind").text
        assert badge in {"事例", "イベント", "お知らせ", "課題", "メールマガジン", "ページ"}
        if badge != "ページ":
            facts = result.find_element(By.CSS_SELECTOR, ".sb-result__meta").text
            assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", facts), facts


def test_an_event_result_shows_the_event_s_date_and_that_it_was_cancelled(browser, project_url):
    url = f"/events/{EVENT_CANCELLED}/"
    front = published("events")[url]
    found = search(browser, project_url, q=front["title"].split("「")[1].split("」")[0])
    result = browser.find_elements(By.CSS_SELECTOR, ".sb-result")[found.index(url)]
    facts = result.find_element(By.CSS_SELECTOR, ".sb-result__meta")
    assert facts.find_element(By.CSS_SELECTOR, ".sb-badge--cancelled").text == "中止"
    start = local(front["start"])
    assert f"{start.year}年{start.month}月{start.day}日" in facts.text  # when it takes place, not when posted


def test_the_form_narrows_by_kind_ward_and_year(browser, project_url):
    cases, events = published("cases"), published("events")
    open_page(browser, f"{project_url}/search/")
    finished(browser)
    Select(browser.find_element(By.ID, "sb-search-type")).select_by_visible_text("事例")
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("type="))
    finished(browser)
    Select(browser.find_element(By.ID, "sb-search-ward")).select_by_visible_text("中区")
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("ward="))
    finished(browser)
    in_naka = sorted(url for url, front in cases.items() if "naka" in front.get("wards", []))
    assert in_naka and sorted(every_result(browser)) == in_naka
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)
    assert params == {"type": ["事例"], "ward": ["中区"]}  # an address to share or bookmark

    in_2020 = [url for url, front in events.items() if year_of(front["start"]) == 2020]
    found = search(browser, project_url, type="イベント", year="2020")
    assert in_2020 and sorted(found) == sorted(in_2020)
    starts = [as_instant(local(events[url]["start"])) for url in found]
    assert starts == sorted(starts, reverse=True)  # without words: newest first
    assert Select(browser.find_element(By.ID, "sb-search-year")).first_selected_option.text == "2020年"

    with_words = search(browser, project_url, q="協働", type="イベント", year="2020")
    assert with_words and set(with_words) <= set(in_2020)


def test_the_form_is_a_plain_form_with_the_address_s_names(browser, project_url):
    open_page(browser, f"{project_url}/search/")
    form = browser.find_element(By.ID, "sb-search-form")
    assert form.get_attribute("method") == "get"
    assert urllib.parse.urlsplit(form.get_attribute("action")).path == "/search/"
    names = [field.get_attribute("name") for field in form.find_elements(By.CSS_SELECTOR, "input, select")]
    assert names == ["q", "type", "ward", "year"]
    wards = [option.text for option in Select(browser.find_element(By.ID, "sb-search-ward")).options]
    assert wards == ["すべて", *AREA_NAMES.values()]


def test_nothing_found_suggests_the_filter_to_drop_and_the_lists(browser, project_url):
    every = search(browser, project_url, q="子ども食堂")
    assert search(browser, project_url, q="子ども食堂", type="お知らせ") == []
    status = browser.find_element(By.ID, "sb-search-status").text
    assert "「子ども食堂」（種類：お知らせ）に一致するページはありませんでした" in status
    none = browser.find_element(By.ID, "sb-search-none")
    suggestion = none.find_element(By.CSS_SELECTOR, "#sb-search-wider a")
    assert suggestion.text == f"「種類：お知らせ」の絞り込みを外す（{len(every)}件）"
    lists = none.find_elements(By.CSS_SELECTOR, ".sb-search-none__lists a")
    lists = [urllib.parse.urlsplit(link.get_attribute("href")).path for link in lists]
    assert lists == ["/cases/", "/events/", "/news/", "/issues/"]
    violations = run_axe(browser)
    assert not violations, f"/search/ with nothing found: axe violations:\n{describe(violations)}"
    suggestion.click()
    finished(browser)
    assert every_result(browser) == every
    assert "type=" not in browser.current_url


def test_words_apart_are_offered_only_when_no_page_has_the_query_as_written(browser, project_url, texts):
    query = "食堂子ども"  # no page has it; some have both words
    assert not containing(texts, query)
    found = search(browser, project_url, q=query)
    assert found and set(found) >= set(containing(texts, "子ども 食堂")) - {""}
    assert "をそのまま含むページはありませんでした" in browser.find_element(By.ID, "sb-search-status").text
    assert search(browser, project_url, q="食堂ぺんぎん") == []  # ぺんぎん is nowhere: not its other words alone


def test_a_quoted_part_is_one_phrase_and_suggested_as_one(browser, project_url, texts):
    assert search(browser, project_url, q='"子ども 食堂"') == search(browser, project_url, q="子ども食堂")
    assert search(browser, project_url, q='"子ども 食堂" ぺんぎん') == []
    wider = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#sb-search-wider a")]
    assert wider == [f"「子ども食堂」だけで探す（{len(containing(texts, '子ども食堂'))}件）"]
    browser.find_element(By.CSS_SELECTOR, "#sb-search-wider a").click()
    finished(browser)
    assert browser.find_element(By.ID, "sb-search-q").get_attribute("value") == "子ども食堂"


def test_results_link_into_a_site_served_under_a_folder(browser, project_site, tmp_path):
    shutil.copytree(project_site, tmp_path / "center")
    with serve(tmp_path) as base:
        found = search(browser, f"{base}/center", q="子ども食堂")
        assert found and all(path.startswith("/center/cases/") for path in found)
        link = browser.find_element(By.CSS_SELECTOR, ".sb-result__link")
        title = link.text
        link.click()
        WebDriverWait(browser, 20).until(lambda d: urllib.parse.urlsplit(d.current_url).path == found[0])
        assert browser.find_element(By.TAG_NAME, "h1").text == title


def test_the_header_box_searches_and_the_page_passes_axe(browser, project_url):
    open_page(browser, project_url + "/")
    browser.find_element(By.ID, "sb-header-q").send_keys("防災", Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/search/?q="))
    finished(browser)
    assert browser.find_element(By.ID, "sb-search-q").get_attribute("value") == "防災"
    assert every_result(browser)
    violations = run_axe(browser)
    assert not violations, f"/search/ with results: axe violations:\n{describe(violations)}"


HOSTILE = """\
---
title: ぺんぎん食堂 <img src=x onerror="window.pwned=1">
date: 2020-07-01
summary: 要約 <script>window.pwned=2</script>
partners:
  - {name: "<b>ぺんぎん</b>の会", type: npo}
  - {name: 町内会, type: community}
status: ongoing
---

ぺんぎん食堂の本文に `<img src=x onerror="window.pwned=3">` と &lt;svg onload=window.pwned=4&gt; の文字があります。
"""


def test_stored_text_and_the_address_are_shown_as_text(tmp_path):
    (tmp_path / "project").mkdir()
    root = new_project(tmp_path / "project", {"cases/hostile.md": HOSTILE})
    site = tmp_path / "site"
    build_site(root, site, NOW)
    with serve(site) as base, chromium("--window-size=1280,900") as driver:
        hostile = urllib.parse.quote('<img src=x onerror="window.pwned=5">')
        driver.get(f"{base}/search/?q=ぺんぎん食堂&type=<b>x</b>&ward={hostile}")
        finished(driver)
        assert every_result(driver) == ["/cases/hostile/"]
        result = driver.find_element(By.CSS_SELECTOR, ".sb-result")
        assert result.find_element(By.CSS_SELECTOR, ".sb-result__link").text.endswith(
            '<img src=x onerror="window.pwned=1">'
        )
        excerpt = result.find_element(By.CSS_SELECTOR, ".sb-result__excerpt")
        assert "<img" in excerpt.text or "<svg" in excerpt.text
        assert not result.find_elements(By.CSS_SELECTOR, "img, svg, script, b")
        assert driver.execute_script("return window.pwned === undefined")
        # A filter the form does not offer is not applied, and the query is typed text.
        assert Select(driver.find_element(By.ID, "sb-search-type")).first_selected_option.text == "すべて"
        driver.get(f"{base}/search/?q={hostile}")
        finished(driver)
        assert driver.find_element(By.ID, "sb-search-status").text.startswith(
            '「<img src=x onerror="window.pwned=5">」'
        )
        assert driver.execute_script("return window.pwned === undefined")


def test_results_fit_a_phone(browser, project_url):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 800, "deviceScaleFactor": 2, "mobile": True}
    )
    try:
        assert search(browser, project_url, q="協働", type="事例")
        width, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert width <= inner == 360


def test_a_query_without_letters_lists_nothing(browser, project_url):
    assert search(browser, project_url, q="、。・") == []  # Pagefind alone would list every page
    assert browser.find_element(By.ID, "sb-search-status").text == "検索する言葉を、文字か数字で入力してください。"
    long = "子ども食堂" + "の" * 200  # past the box's 100 characters: the first 100 are the query
    search(browser, project_url, q=long)
    status = browser.find_element(By.ID, "sb-search-status").text
    assert status.startswith(f"「{long[:100]}」")
