"""The built sample site in a real browser: headless Debian Chromium via Selenium.

One build of the project's own content (cases/, events/, content/) at a fixed time,
served on 127.0.0.1 (tests/served_site.py; tests/test_validators.py checks the same
build). Each page checked must load without console errors, without any request
leaving 127.0.0.1, and with no axe-core violation of any impact; at phone
width (360 px) none may scroll sideways; and the Pagefind search page must find
Japanese words. Needs chromium, chromium-driver and `npm ci` (axe-core): `make test`
installs them (tools/install-deps).
"""

from __future__ import annotations

import datetime as dt
import functools
import urllib.error
import urllib.request
from pathlib import Path

import lxml.html
import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.content.dates import TOKYO
from tests.served_site import (
    CASE,
    CHROMEDRIVER,
    CHROMIUM,
    EVENT_CANCELLED,
    EVENT_POSTPONED,
    EVENT_UPCOMING,
    ISSUE,
    NOW,
    PROJECT,
    chromium,
)

AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"

# One page per template: the generated pages, an ordinary page, the engine's 404.
PAGES = [
    "/",
    "/cases/",
    f"/cases/{CASE}/",
    "/events/",
    f"/events/{EVENT_CANCELLED}/",
    f"/events/{EVENT_POSTPONED}/",
    f"/events/{EVENT_UPCOMING}/",
    "/news/",
    "/news/site-open/",
    "/issues/",
    f"/issues/{ISSUE}/",
    "/newsletter/",
    "/newsletter/2020-07a/",
    "/about/",
    "/search/",
    "/subscribe/",
    "/404.html",
]
PHONE_WIDTH = 360  # the narrowest phone in common use (issue 12): nothing may scroll sideways


def front_matter(path: Path) -> dict:
    """The YAML block of a content file, read with PyYAML (not the site's reader)."""
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.fixture(scope="module")
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER, AXE) if not p.is_file()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run make test (tools/install-deps installs them)")
    with chromium("--window-size=1280,900") as driver:
        driver.set_script_timeout(60)
        yield driver


def open_page(driver, url: str) -> list[dict]:
    """Loads url and returns the console messages logged while loading it."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.get_log("browser")


def run_axe(driver) -> list[dict]:
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"]})
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}))))
          .catch(e => done({error: String(e)}));
        """
    )
    assert not isinstance(result, dict), f"axe failed: {result}"
    return result


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines += [f"    {n['target']}\n      {n['summary']}".replace("\n", "\n      ") for n in v["nodes"][:8]]
    return "\n".join(lines)


def external_requests(driver, base_url: str) -> list[str]:
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return sorted(n for n in names if not n.startswith((base_url + "/", "data:", "blob:")))


@functools.cache
def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def broken_links(driver, base_url: str) -> list[str]:
    hrefs = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    local = sorted({h.split("#")[0] for h in hrefs if h.startswith(base_url + "/")})
    return [f"{url} ({status_of(url)})" for url in local if status_of(url) != 200]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_has_no_axe_violations(browser, project_url, path):
    console = open_page(browser, project_url + path)
    assert browser.find_element(By.TAG_NAME, "h1").text.strip(), f"{path}: no visible h1"
    problems = [f"console error: {e['message']}" for e in console if e["level"] == "SEVERE"]
    problems += [f"request outside 127.0.0.1: {url}" for url in external_requests(browser, project_url)]
    problems += [f"broken link: {link}" for link in broken_links(browser, project_url)]
    violations = run_axe(browser)
    problems += [f"axe violations:\n{describe(violations)}"] if violations else []
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_axe_check_reports_moderate_and_minor_violations(browser, project_url):
    """The check above fails on any impact: a paragraph outside every landmark (moderate)
    and an image whose alt repeats its link's text (minor) are both reported."""
    open_page(browser, project_url + "/about/")
    browser.execute_script(
        """document.body.insertAdjacentHTML("beforeend", "<p>stray</p>");
           document.querySelector("main").insertAdjacentHTML("beforeend",
             '<p><a href="/">ホーム<img src="/assets/logo.svg" alt="ホーム"></a></p>');"""
    )
    impacts = {v["id"]: v["impact"] for v in run_axe(browser)}
    assert impacts == {"region": "moderate", "image-redundant-alt": "minor"}, impacts


def test_case_title_with_markup_characters_is_shown_as_written(browser, project_url):
    title = front_matter(PROJECT / "cases" / f"{CASE}.md")["title"]
    assert set('<&"') <= set(title)
    open_page(browser, f"{project_url}/cases/{CASE}/")
    assert browser.find_element(By.CSS_SELECTOR, ".sb-content h1").text == title
    assert title in browser.title


def test_event_pages_show_their_status(browser, project_url):
    cancelled = front_matter(PROJECT / "events" / f"{EVENT_CANCELLED}.md")
    postponed = front_matter(PROJECT / "events" / f"{EVENT_POSTPONED}.md")
    upcoming = front_matter(PROJECT / "events" / f"{EVENT_UPCOMING}.md")
    assert (cancelled["status"], postponed["status"]) == ("cancelled", "postponed")
    start = dt.datetime.fromisoformat(str(upcoming["start"])).replace(tzinfo=TOKYO)
    assert start > NOW and upcoming.get("status", "scheduled") == "scheduled"
    for slug, word in ((EVENT_CANCELLED, "中止"), (EVENT_POSTPONED, "延期")):
        open_page(browser, f"{project_url}/events/{slug}/")
        assert word in browser.find_element(By.CSS_SELECTOR, ".sb-content").text
    open_page(browser, f"{project_url}/events/")
    assert upcoming["title"] in browser.find_element(By.CSS_SELECTOR, ".sb-content").text


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scrolling_at_phone_width(browser, project_url, path):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 800, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        open_page(browser, project_url + path)
        width, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        wide = browser.execute_script(
            """return [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > arguments[0] + 0.5)
                 .slice(0, 5).map(e => e.tagName + '.' + e.getAttribute('class'))""",
            PHONE_WIDTH,
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    # A phone widens the layout viewport (innerWidth) to fit content that sticks out.
    assert width <= inner == PHONE_WIDTH, f"{path}: scrollWidth {width}, innerWidth {inner}; too wide: {wide}"


def search_results(driver, query: str | None = None) -> list[str]:
    """Types query into the Pagefind UI (unless the URL seeded it) and returns the result links."""
    if query is not None:
        box = WebDriverWait(driver, 10).until(
            expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#sb-search input"))
        )
        box.send_keys(query, Keys.ENTER)
    links = WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#sb-search .pagefind-ui__result-link")
    )
    return [link.get_attribute("href") for link in links]


@pytest.mark.parametrize("query", ["子ども食堂", "防災"])
def test_search_finds_japanese_words(browser, project_url, query):
    console = open_page(browser, f"{project_url}/search/")
    hrefs = search_results(browser, query)
    console += browser.get_log("browser")
    shown = browser.find_element(By.ID, "sb-search").text
    assert query in shown and "¶" not in shown  # titles and excerpts without permalink marks
    assert all(h.startswith(project_url + "/") for h in hrefs), hrefs
    containing = []
    for href in hrefs[:5]:
        open_page(browser, href)
        if query in browser.find_element(By.TAG_NAME, "body").text:
            containing.append(href)
    assert containing, f"none of {hrefs[:5]} contains {query}"
    assert not [e for e in console if e["level"] == "SEVERE"]


# Compounds that Pagefind's Japanese segmenter cut differently in pages and in queries.
COMPOUNDS = ["子ども食堂", "居場所づくり", "多文化共生", "地域ケアプラザ", "NPO法人"]


def test_search_finds_every_page_that_has_a_japanese_compound(browser, project_url, project_site):
    """The search page's own code (its search.js cuts the query) and Pagefind's in Chromium
    find exactly the pages whose marked content (read here with lxml) contains the query."""
    regions = {}
    for path in sorted(project_site.rglob("index.html")):
        body = lxml.html.parse(str(path)).xpath("//*[@data-pagefind-body]")
        folder = path.parent.relative_to(project_site).as_posix()
        if body:
            regions["/" if folder == "." else f"/{folder}/"] = body[0].text_content()
    open_page(browser, f"{project_url}/search/")
    found = browser.execute_async_script(
        """const [queries, done] = arguments;
           (async () => {
             const pagefind = await import("/pagefind/pagefind.js");
             await pagefind.init();
             const found = {};
             for (const query of queries) {
               const search = await pagefind.search(window.sbSearch.processTerm(query));
               const pages = await Promise.all(search.results.map((result) => result.data()));
               found[query] = pages.map((page) => new URL(page.url, location.href).pathname).sort();
             }
             done(found);
           })().catch((error) => done(String(error)));""",
        COMPOUNDS,
    )
    for query in COMPOUNDS:
        expected = sorted(url for url, text in regions.items() if query in text)
        assert expected, query
        assert found[query] == expected, query


def test_search_page_takes_the_query_from_the_header_form(browser, project_url):
    open_page(browser, project_url + "/")
    browser.find_element(By.ID, "sb-header-q").send_keys("防災", Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/search/?q="))
    assert search_results(browser)
    violations = run_axe(browser)
    assert not violations, f"/search/ with results: axe violations:\n{describe(violations)}"
