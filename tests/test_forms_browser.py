"""The forms filled in and sent in headless Chromium, to a small server that stands in for the
centre's: it listens on 127.0.0.1, records each POST as it arrives and answers 303 to the
site's page for after that form, as the real server does (``site-builder server``).

A scratch project whose ``server_url`` is that recorder is built and served on 127.0.0.1;
Chromium fills each form as a person would (labels clicked, text typed) and sends it. The
recorder must get exactly the fields the server's contract lists, in the page's order,
url-encoded, with the page's token; the browser must land on the site's thank-you page.
The sign-up is sent once more with JavaScript off (the forms need none), and an empty form
is not sent at all: the browser's own checks stop it, with the messages in Japanese.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.cli import main
from site_builder.content.forms import (
    INTAKE,
    INTAKE_THANKS,
    NEWSLETTER,
    NEWSLETTER_THANKS,
    SECRET_ENV,
    Form,
    check_form_token,
    form_secret,
)
from site_builder.content.settings import SERVER_URL_ENV
from tests.conftest import new_project
from tests.golden import NOW
from tests.served_site import CHROMEDRIVER, CHROMIUM, chromium, serve
from tests.test_site_forms import ISSUED, MAX_AGE

AFTER = {NEWSLETTER.path: NEWSLETTER_THANKS, INTAKE.path: INTAKE_THANKS}  # where the server sends the reader


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each POST (path, Content-Type, body) and answers 303 to the site's page after it."""

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length", "0")), 1_000_000)
        self.server.posts.append((self.path, self.headers.get("Content-Type"), self.rfile.read(length)))
        self.send_response(303)
        self.send_header("Location", self.server.site_url + AFTER.get(self.path, "/"))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def recording_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.posts, server.site_url = [], ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(recorder, site URL, project)``: the project's forms post to the recorder."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run make test (tools/install-deps installs them)")
    with recording_server() as recorder, pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_ENV, raising=False)
        root = new_project(tmp_path_factory.mktemp("forms-browser"))
        config = root / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        port = recorder.server_address[1]
        patch.setenv(SERVER_URL_ENV, f"http://127.0.0.1:{port}")  # as make preview points the forms
        assert "server_url: https://forms.yokohama-kyodo.example" in text
        assert main(["--root", str(root), "build", "--quiet", "--now", NOW]) == 0
        with serve(root / "site") as site_url:
            recorder.site_url = site_url
            yield recorder, site_url, root


@pytest.fixture(scope="module")
def browser():
    with chromium("--window-size=1280,900") as driver:
        yield driver


def token_of(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "input[name='form_token']").get_attribute("value")


def click_label(driver, text: str) -> None:
    driver.find_element(By.XPATH, f"//label[normalize-space()='{text}']").click()


def send_and_wait(driver, site_url: str, after: str) -> None:
    driver.find_element(By.CSS_SELECTOR, "form.sb-form button[type='submit']").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url == site_url + after)


def last_post(recorder, count: int) -> tuple[str, str, list[tuple[str, str]]]:
    assert len(recorder.posts) == count, recorder.posts
    path, content_type, body = recorder.posts[-1]
    return path, content_type, parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)


def assert_arrived(served, browser, before: int, form: Form, fields: list, token: str, page: tuple[str, str]) -> None:
    """The recorder got one POST more: ``form``'s ``fields``, then the consent, the empty trap and
    the page's ``token`` (signed with the project's secret at the build time); and the browser
    shows the page after it (``(its h1, words on it)``)."""
    recorder, _, root = served
    path, content_type, sent = last_post(recorder, before + 1)
    assert (path, content_type) == (form.path, "application/x-www-form-urlencoded")
    assert sent == [*fields, ("consent", "yes"), ("website", ""), ("form_token", token)]
    secret = form_secret(root / "state")
    assert token.startswith(f"{ISSUED}.{form.name}.")
    assert check_form_token(secret, form.name, token, ISSUED, MAX_AGE) is None
    assert browser.find_element(By.TAG_NAME, "h1").text == page[0]
    assert page[1] in browser.find_element(By.TAG_NAME, "main").text


def test_the_newsletter_sign_up_sends_the_contract_fields(served, browser):
    recorder, site_url, _ = served
    before = len(recorder.posts)
    browser.get(site_url + "/subscribe/#newsletter-signup")
    trap = browser.find_element(By.NAME, "website")
    assert browser.execute_script("return arguments[0].getBoundingClientRect().right", trap) <= 0  # out of sight
    token = token_of(browser)
    browser.find_element(By.ID, "newsletter-signup-email").send_keys("hanako@example.jp")
    browser.find_element(By.ID, "newsletter-signup-name").send_keys("山田 花子")
    click_label(browser, "個人情報の取り扱いに同意します必須")
    send_and_wait(browser, site_url, NEWSLETTER_THANKS)
    fields = [("email", "hanako@example.jp"), ("name", "山田 花子")]
    assert_arrived(served, browser, before, NEWSLETTER, fields, token, ("確認メールを送りました", "7日以内"))


def test_the_consultation_form_sends_the_contract_fields(served, browser):
    recorder, site_url, _ = served
    before = len(recorder.posts)
    browser.get(site_url + "/consultation/form/")
    token = token_of(browser)
    click_label(browser, "協働の提案")
    typed = {
        "organization": "NPO法人 みなとの森",
        "person": "佐藤 一郎",
        "email": "ichiro@example.org",
        "phone": "045-000-0000",
        "body": "空き店舗を使った居場所づくりを提案します。\n区の方とも話したいです。",
        "preferred": "平日の午後",
    }
    for name, value in typed.items():
        browser.find_element(By.ID, f"intake-{name}").send_keys(value)
    click_label(browser, "西区")
    click_label(browser, "中区")
    click_label(browser, "個人情報の取り扱いに同意します必須")
    send_and_wait(browser, site_url, INTAKE_THANKS)
    lines = typed["body"].replace("\n", "\r\n")  # as browsers send a textarea's lines
    fields = [("kind", "proposal"), *typed.items(), ("wards", "nishi"), ("wards", "naka")]
    fields = [(name, lines if name == "body" else value) for name, value in fields]
    assert_arrived(served, browser, before, INTAKE, fields, token, ("ご相談・ご提案を受け付けました", "このあとの流れ"))


def test_an_incomplete_form_is_not_sent_and_says_why_in_japanese(served, browser):
    recorder, site_url, _ = served
    before = len(recorder.posts)
    browser.get(site_url + "/consultation/form/")
    browser.find_element(By.CSS_SELECTOR, "form.sb-form button[type='submit']").click()
    assert browser.current_url == site_url + "/consultation/form/" and len(recorder.posts) == before

    def message(selector: str) -> str:
        return browser.execute_script("return document.querySelector(arguments[0]).validationMessage", selector)

    assert message("#intake-kind-collaboration") == "「相談の種類」を選んでください。"
    assert message("#intake-person") == "「担当者名」を入力してください。"
    assert message("#intake-consent") == "送るには「個人情報の取り扱いに同意します」にチェックを入れてください。"
    assert message("#intake-organization") == ""  # not required
    browser.find_element(By.ID, "intake-email").send_keys("not-an-address")
    browser.execute_script("document.querySelector('form.sb-form').checkValidity()")
    assert message("#intake-email") == "メールアドレスを name@example.jp のような形で入力してください。"
    click_label(browser, "スペース利用")  # choosing one clears the group's message
    assert message("#intake-kind-collaboration") == ""
    assert len(recorder.posts) == before


def test_the_sign_up_works_without_javascript(served):
    recorder, site_url, _ = served
    before = len(recorder.posts)
    with chromium("--window-size=1280,900", "--blink-settings=scriptEnabled=false") as driver:
        driver.get(site_url + "/subscribe/")
        # WebDriver's scripts still run, the page's do not: the browser words its checks itself.
        shown = driver.execute_script(
            "const email = document.querySelector('#newsletter-signup-email');"
            "email.form.checkValidity(); return [email.validationMessage, email.dataset.sbMissing];"
        )
        assert shown[0] and shown[0] != shown[1], shown
        driver.find_element(By.ID, "newsletter-signup-email").send_keys("jiro@example.jp")
        click_label(driver, "個人情報の取り扱いに同意します必須")
        send_and_wait(driver, site_url, NEWSLETTER_THANKS)
    _, _, fields = last_post(recorder, before + 1)
    assert [name for name, _ in fields] == ["email", "name", "consent", "website", "form_token"]
    assert dict(fields)["email"] == "jiro@example.jp" and dict(fields)["name"] == ""
