"""The web editor (/admin/, Decap CMS) used through its form in headless Chromium.

``site-builder serve --cms`` runs on a scratch copy of the sample site that is a git
repository (mode git: drafts are branches, publishing merges them), as a staff
member runs it; the browser talks to the preview on 127.0.0.1 and to the editor's
proxy on http://localhost:8081, and to nothing else. One test writes a new case
through the form, another cancels an event; each saves, marks the entry ready and
publishes it, then finds the file in the working tree, valid for ``check``, and its
page in the preview. The form's labels are read from the generated configuration
(site_builder/cms/config.py), as the editor shows them.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile

import icalendar
import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.cli import main
from site_builder.cms.config import cms_config
from site_builder.commands.cms_local import EDITOR_PORT
from site_builder.pipeline import load_config
from tests.served_cms import NOW, git, git_project, serving
from tests.served_site import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS
from tests.test_cli import fetch, wait_for
from tests.test_editor_guide import PNG

EDITOR = f"http://localhost:{EDITOR_PORT}/"
WAIT = 30  # seconds for one step of the form (a save is a git commit)
EVENT = "open-dialogue"  # scheduled, in the sample; the second test cancels it


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    """``serve --cms`` on a git copy of the sample site: (project folder, served)."""
    work = tmp_path_factory.mktemp("cms")
    root = git_project(work / "project")
    with serving(root, work / "serve.log") as served:
        yield root, served


@pytest.fixture(scope="module")
def labels(editor) -> dict[str, dict]:
    """``{collection: {field name: field}}`` of the form the editor shows (nested: ``partners.name``)."""
    config = cms_config(load_config(editor[0]), local_backend=True)

    def walk(fields: list[dict], prefix: str = "") -> dict[str, dict]:
        found = {}
        for field in fields:
            found[prefix + field["name"]] = field
            found |= walk(field.get("fields", []), prefix + field["name"] + ".")
        return found

    return {collection["name"]: walk(collection["fields"]) for collection in config["collections"]}


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="sb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # en-US: the order in which a date-and-time control takes typed digits (month, day, year, time).
    for flag in [*CHROMIUM_FLAGS, "--window-size=1280,1000", "--lang=en-US", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The staff's time zone: the form's date-and-time picker writes the browser's local time.
    service = Service(executable_path=str(CHROMEDRIVER), env={"TZ": "Asia/Tokyo"})
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Form:
    """The editor's page, driven as a person would: by the labels they read."""

    def __init__(self, driver, fields: dict[str, dict]):
        self.driver, self.fields = driver, fields

    def wait(self, seconds: float = WAIT) -> WebDriverWait:
        return WebDriverWait(self.driver, seconds)

    def controls(self, name: str) -> list[WebElement]:
        """The controls labelled as field ``name`` is (in order: one per list item)."""
        label = self.fields[name]["label"]

        def labelled(driver):
            found = []
            for element in driver.find_elements(By.CSS_SELECTOR, "label[for]"):
                text = element.get_attribute("textContent").strip()
                if text == label or text.removesuffix("(任意)").strip() == label:
                    found += driver.find_elements(By.ID, element.get_attribute("for"))
            return found

        return self.wait().until(labelled)

    def control(self, name: str) -> WebElement:
        return self.controls(name)[-1]

    def button(self, text: str) -> WebElement:
        xpath = f"//*[self::button or @role='button'][normalize-space()='{text}']"
        return self.wait().until(expected_conditions.element_to_be_clickable((By.XPATH, xpath)))

    def menu_item(self, text: str) -> WebElement:
        xpath = f"//*[@role='menuitem'][normalize-space()='{text}']"
        return self.wait().until(expected_conditions.element_to_be_clickable((By.XPATH, xpath)))

    def markdown_mode(self) -> None:
        """The body's switch between rich text and Markdown (リッチテキスト ○ マークダウン), set to Markdown."""
        xpath = "//*[normalize-space()='マークダウン']/preceding-sibling::*[@role='switch'][1]"
        switch = self.wait().until(expected_conditions.element_to_be_clickable((By.XPATH, xpath)))
        if switch.get_attribute("aria-checked") != "true":
            switch.click()
        self.wait().until(lambda d: d.find_element(By.XPATH, xpath).get_attribute("aria-checked") == "true")

    def option_label(self, name: str, value: object) -> str:
        return next(o["label"] for o in self.fields[name]["options"] if o["value"] == value)

    def choose(self, control: WebElement, name: str, value: object) -> None:
        """A select (react-select): type the option's label, then Enter."""
        control.send_keys(self.option_label(name, value))
        self.wait().until(lambda d: d.find_elements(By.CSS_SELECTOR, "[id*='-option-']"))
        control.send_keys(Keys.ENTER)

    def publish(self, slug: str) -> None:
        """Save, mark ready (editorial workflow), publish, and confirm."""
        self.button("保存").click()
        self.wait().until(expected_conditions.url_contains(f"/entries/{slug}"))
        self.button("ステータス: 下書き").click()
        self.menu_item("準備完了").click()
        self.button("ステータス: 準備完了")
        self.button("公開").click()
        self.menu_item("公開する").click()
        self.wait().until(expected_conditions.alert_is_present()).accept()
        self.wait().until(lambda d: d.find_elements(By.XPATH, "//*[normalize-space()='公開しました。']"))


def open_editor(driver, base: str, collection: str, labels: dict[str, dict], path: str) -> Form:
    driver.get(f"{base}/admin/#/collections/{collection}/{path}")
    form = Form(driver, labels[collection])
    login = "//button[normalize-space()='ログイン']"
    form.wait().until(lambda d: d.find_elements(By.XPATH, login) or d.find_elements(By.CSS_SELECTOR, "label[for]"))
    if driver.find_elements(By.XPATH, login):
        form.button("ログイン").click()  # the local proxy needs no account: one click
    form.control("title")
    return form


def outside_requests(driver, base: str) -> list[str]:
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return sorted(n for n in names if not n.startswith((base + "/", EDITOR, "data:", "blob:")))


@contextlib.contextmanager
def explained(driver, served):
    """A failed step of the form says where the page was, what it showed, and what serve printed."""
    try:
        yield
    except Exception as exc:
        shot = served.log.with_name(f"failure-{id(exc)}.png")
        driver.save_screenshot(str(shot))
        page = driver.find_element(By.TAG_NAME, "body").text[:2000]
        raise AssertionError(
            f"{type(exc).__name__}: {exc}\nat {driver.current_url} (screenshot: {shot}); the page said:\n{page}\n"
            f"serve --cms said:\n{served.output()[-3000:]}"
        ) from exc


def console_errors(driver) -> list[str]:
    """The page's console errors, but for the proxy's 404 when the form asks whether a new
    entry already has a draft (it has none: Decap's normal answer)."""
    expected = f"{EDITOR}api/v1 - Failed to load resource: the server responded with a status of 404"
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return [message for message in severe if not message.startswith(expected)]


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def check_passes(root, capsys, path: str) -> None:
    """``site-builder check`` finds no error and says nothing of ``path``."""
    assert main(["--root", str(root), "check", "--now", NOW]) == 0
    assert path not in capsys.readouterr().err


def shown(base: str, path: str, *words: str) -> str | None:
    page = fetch(base + path)
    return page if all(word in page for word in words) else None


def test_a_case_written_in_the_form_is_committed_checked_and_previewed(editor, labels, browser, tmp_path, capsys):
    root, served = editor
    slug, title = "browser-kodomo-ibasho", "ブラウザで書いた居場所づくりの事例"
    photo = tmp_path / "ibasho-photo.png"
    photo.write_bytes(PNG)

    with explained(browser, served):
        form = open_editor(browser, served.base, "cases", labels, "new")
        form.control("title").send_keys(title)
        form.control("slug").send_keys(slug)
        when = form.control("date")
        when.send_keys("07102020", Keys.TAB, "1000AM")  # 2020-07-10 10:00, typed as a person would
        assert when.get_attribute("value") == "2020-07-10T10:00"
        form.control("summary").send_keys("NPO と企業が、子どもの居場所を一緒に開きました。")
        partners = [("NPO法人 ひだまり", "npo"), ("みなと食品株式会社", "company")]
        for index, (name, kind) in enumerate(partners):
            form.button(f"Add {form.fields['partners']['label_singular']}").click()
            form.wait().until(lambda d, i=index: len(form.controls("partners.name")) > i)
            form.controls("partners.name")[index].send_keys(name)
            form.choose(form.controls("partners.type")[index], "partners.type", kind)
        form.choose(form.control("wards"), "wards", "naka")
        form.choose(form.control("sdgs"), "sdgs", 11)
        form.choose(form.control("status"), "status", "ongoing")
        form.button("画像を選択").click()
        form.wait().until(lambda d: d.find_element(By.CSS_SELECTOR, "input[type=file]")).send_keys(str(photo))
        form.button("選択する").click()
        form.control("image_alt").send_keys("居場所で食卓を囲む子どもたち")
        form.markdown_mode()  # as the body's hint says: Markdown, not the rich-text toolbar
        body = browser.find_element(By.CSS_SELECTOR, "[data-slate-editor]")
        body.send_keys("## 背景", Keys.ENTER, Keys.ENTER, "地域の子どもの居場所が足りませんでした。")
        form.publish(slug)
        assert outside_requests(browser, served.base) == []
        assert console_errors(browser) == []

    case = root / "cases" / f"{slug}.md"
    data = front_matter(case.read_text(encoding="utf-8"))
    assert data["title"] == title and str(data["date"]) == "2020-07-10T10:00"
    assert [(p["name"], p["type"]) for p in data["partners"]] == partners
    assert (data["wards"], data["sdgs"], data["status"]) == (["naka"], [11], "ongoing")
    assert data["image_alt"] == "居場所で食卓を囲む子どもたち"
    assert (case.parent / data["image"]).read_bytes() == PNG
    assert (
        case.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        == "## 背景\n\n地域の子どもの居場所が足りませんでした。\n"
    )
    check_passes(root, capsys, f"cases/{slug}.md")
    # Published: merged into main, no draft branch left, nothing uncommitted.
    assert git(root, "branch", "--list", "cms/*").strip() == ""
    assert git(root, "status", "--porcelain").strip() == ""
    assert f"cases/{slug}.md" in git(root, "log", "-1", "--name-only", "--format=")

    page = wait_for(
        lambda: shown(served.base, f"/cases/{slug}/", title, "居場所で食卓を囲む子どもたち"), 60, "the case"
    )
    assert "NPO法人 ひだまり" in page and "中区" in page
    browser.get(f"{served.base}/cases/{slug}/")
    assert browser.find_element(By.CSS_SELECTOR, ".sb-content h1").text == title
    image = browser.find_element(By.CSS_SELECTOR, "img[alt='居場所で食卓を囲む子どもたち']")
    browser.execute_script("arguments[0].scrollIntoView()", image)  # a lazy image loads once seen
    loaded = "return arguments[0].complete && arguments[0].naturalWidth"
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(loaded, image) == 1)  # the uploaded 1×1 PNG


def test_an_event_cancelled_in_the_form_says_so_on_its_page_and_in_the_calendar(editor, labels, browser, capsys):
    root, served = editor
    source = root / "events" / f"{EVENT}.md"
    before = front_matter(source.read_text(encoding="utf-8"))
    assert before.get("status", "scheduled") == "scheduled"
    assert "STATUS:CANCELLED" not in fetch(f"{served.base}/events/{EVENT}/event.ics")

    with explained(browser, served):
        form = open_editor(browser, served.base, "events", labels, f"entries/{EVENT}")
        form.choose(form.control("status"), "status", "cancelled")
        form.publish(EVENT)
        assert outside_requests(browser, served.base) == []
        assert console_errors(browser) == []

    after = front_matter(source.read_text(encoding="utf-8"))
    assert after == before | {"status": "cancelled"}  # nothing else changed
    check_passes(root, capsys, f"events/{EVENT}.md")
    wait_for(lambda: shown(served.base, f"/events/{EVENT}/", "中止"), 60, "the cancelled event's page")
    wait_for(lambda: shown(served.base, f"/events/{EVENT}/event.ics", "STATUS:CANCELLED"), 60, "its calendar")
    calendar = icalendar.Calendar.from_ical(fetch(f"{served.base}/events/calendar.ics"))
    statuses = {str(e["URL"]).rstrip("/").rsplit("/", 1)[-1]: str(e.get("STATUS")) for e in calendar.walk("VEVENT")}
    assert statuses[EVENT] == "CANCELLED"
