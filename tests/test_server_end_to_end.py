"""The whole way, with every real part: a project whose ``server_url`` is its own server
(under uvicorn on 127.0.0.1, SQLite, mail to the local SMTP server) is built and served on
127.0.0.1, and a reader in headless Chromium uses the site's own forms.

Newsletter: the sign-up form on /subscribe/ → the site's thank-you page → the confirmation
mail's link, opened in the browser → its button, pressed → the site's confirmed page → ``newsletter send
--subscribers db`` delivers the edition to that address → the edition's one-click
unsubscribe, POSTed as a mail provider sends it (RFC 8058) → the next send skips it.
Consultation: the form on /consultation/form/ → the site's thank-you page → the staff
notice and the sender's acknowledgement arrive → ``intake export`` writes a draft case
that ``check`` accepts.
"""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from site_builder.cli import main
from site_builder.content.forms import (
    INTAKE_PAGE,
    INTAKE_THANKS,
    NEWSLETTER_CONFIRMED,
    NEWSLETTER_THANKS,
    SECRET_ENV,
    SIGNUP_ANCHOR,
)
from tests.served_server import SITE_URL, STAFF, running
from tests.served_site import chromium, serve
from tests.test_forms_browser import click_label
from tests.test_server_newsletter import CONFIRM_LINK, EDITIONS, send

READER = "hanako@example.jp"
CONSENT = "個人情報の取り扱いに同意します必須"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """``(app, site URL)``: the project's site built with the clock's time (so its form
    tokens are fresh for the server) and served, its server running."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.delenv(SECRET_ENV, raising=False)  # the build and the server share <state>/form-secret
    with serve(root / "site") as site_url, running(root, "sqlite", None, EDITIONS, site_url=site_url + "/") as app:
        for name, value in app.environ.items():
            monkeypatch.setenv(name, value)
        assert main(["--root", str(root), "build", "--quiet"]) == 0
        yield app, site_url


def submit(browser, site_url: str, page: str) -> str:
    """Press the form's button; the ``h1`` of the site's page the server sends the browser to."""
    browser.find_element(By.CSS_SELECTOR, "form.sb-form button[type='submit']").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url == site_url + page)
    return browser.find_element(By.TAG_NAME, "h1").text


def test_a_reader_signs_up_on_the_site_confirms_receives_and_leaves_in_one_click(site, capsys):
    app, site_url = site
    with chromium("--window-size=390,844") as browser:
        browser.get(f"{site_url}/subscribe/#{SIGNUP_ANCHOR}")
        browser.find_element(By.ID, "newsletter-signup-email").send_keys(READER)
        browser.find_element(By.ID, "newsletter-signup-name").send_keys("山田 花子")
        click_label(browser, CONSENT)
        assert submit(browser, site_url, NEWSLETTER_THANKS) == "確認メールを送りました"
        assert app.rows()["subscribers"] == 1

        (mail,) = [mail for mail in app.sink.parsed() if mail["To"] == READER]
        browser.get(CONFIRM_LINK.search(mail.get_content())[0])  # as the reader opens it from the mail
        assert browser.find_element(By.TAG_NAME, "h1").text == "メールマガジンの登録の確認"
        assert app.send_names() == {}  # opening the link alone confirms nothing
        browser.find_element(By.XPATH, "//button[text()='登録を完了する']").click()
        WebDriverWait(browser, 10).until(lambda b: b.current_url == site_url + NEWSLETTER_CONFIRMED)
        assert app.send_names() == {READER: "山田 花子"}
        assert not [entry for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
        assert "登録" in browser.find_element(By.TAG_NAME, "h1").text

    # The newsletter links to the public https site; the copy on 127.0.0.1 stood in for it so far.
    config = app.root / "mkdocs.yml"
    config.write_text(re.sub(r"(?m)^site_url: .*$", f"site_url: {SITE_URL}", config.read_text("utf-8")), "utf-8")
    assert send(app, "2020-07a", "db", capsys) == [READER]
    edition = [mail for mail in app.sink.parsed() if READER in mail["To"] and mail["List-Unsubscribe"]][-1]
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.search(r"<(http[^>]+)>", edition["List-Unsubscribe"])[1]
    assert one_click.startswith(app.url + "/newsletter/unsubscribe?")
    answer = app.client.post(
        one_click, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200
    assert send(app, "2020-07b", "db", capsys) == []


def test_a_consultation_sent_from_the_site_reaches_staff_and_becomes_a_draft_case(site, run_cli):
    app, site_url = site
    with chromium("--window-size=1280,900") as browser:
        browser.get(site_url + INTAKE_PAGE)
        click_label(browser, "協働の提案")
        typed = {
            "organization": "NPO法人 みなとの森",
            "person": "佐藤 一郎",
            "email": "ichiro@example.org",
            "body": "空き店舗を使った居場所づくりを提案します。\n区の方とも話したいです。",
        }
        for name, value in typed.items():
            browser.find_element(By.ID, f"intake-{name}").send_keys(value)
        click_label(browser, "中区")
        click_label(browser, CONSENT)
        assert submit(browser, site_url, INTAKE_THANKS) == "ご相談・ご提案を受け付けました"

    staff, ack = sorted(app.sink.parsed(), key=lambda mail: mail["To"] != STAFF)
    assert staff["To"] == STAFF and staff["Subject"] == "【相談受付 1】協働の提案（NPO法人 みなとの森）"
    assert "空き店舗を使った居場所づくり" in staff.get_content() and "■ 関係する区: 中区" in staff.get_content()
    assert ack["To"] == "ichiro@example.org" and "受付番号は 1 です" in ack.get_content()

    code, out, err = run_cli("--root", app.root, "intake", "export", "1", "--slug", "minato-ibasho")
    assert code == 0 and "wrote cases/minato-ibasho.md" in out, err
    written = (app.root / "cases" / "minato-ibasho.md").read_text(encoding="utf-8")
    assert "status: proposal" in written and "draft: true" in written and "ichiro@example.org" not in written
    code, out, err = run_cli("--root", app.root, "check")
    assert code == 0, out + err
