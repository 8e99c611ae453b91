"""The built sample site in a real browser: headless Debian Chromium via Selenium.

One build of the project's own content (cases/, events/, content/) at a fixed time,
served on 127.0.0.1 (tests/served_site.py; tests/test_validators.py checks the same
build). Each page checked must load without console errors, without any request
leaving 127.0.0.1, and with no axe-core violation of any impact; at phone
width (360 px) none may scroll sideways. The search page has tests of its own
(tests/test_search_page.py). Needs chromium, chromium-driver and `npm ci` (axe-core): `make test`
installs them (tools/install-deps).
"""

from __future__ import annotations

import datetime as dt
import functools
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.by import By
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
    "/subscribe/",  # with the newsletter sign-up (mkdocs.yml sets server_url)
    "/consultation/form/",
    "/consultation/thanks/",
    "/newsletter/thanks/",
    "/newsletter/confirmed/",
    "/newsletter/unsubscribed/",
    "/privacy/",
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
