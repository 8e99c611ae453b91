"""The server's pages with a real browser (headless Chromium): a form on a page of the site
posts to the server without JavaScript and lands on the site's thanks page (the browser's
own Origin header passes the check), and the unsubscribe page's button, under the server's
Content-Security-Policy, stops the mail and lands on the site's page."""

from __future__ import annotations

import hashlib
import hmac
import html

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.served_server import running
from tests.served_site import chromium, serve
from tests.test_mailer import SECRET

PAGE = '<!doctype html><meta charset="utf-8"><title>{0}</title><h1>{0}</h1>'
PAGES = {
    "newsletter/thanks/index.html": PAGE.format("確認のメールを送りました"),
    "newsletter/unsubscribed/index.html": PAGE.format("配信を停止しました"),
}


def sign_up_page(server_url: str, token: str) -> str:
    """A form as the site draws it: fields of content/forms.py, honeypot, token, no script."""
    return (
        '<!doctype html><html lang="ja"><meta charset="utf-8"><title>メールマガジン</title>'
        f'<form method="post" action="{html.escape(server_url)}/newsletter/subscribe">'
        '<input name="email" id="email"><input name="name" id="name">'
        '<input type="checkbox" name="consent" value="yes" id="consent">'
        '<input name="website" value="" tabindex="-1" aria-hidden="true" style="display:none">'
        f'<input type="hidden" name="form_token" value="{token}">'
        '<button type="submit" id="send">登録する</button></form></html>'
    )


def test_a_form_of_the_site_and_the_unsubscribe_button_work_in_a_browser(tmp_path):
    site = tmp_path / "site"
    for name, text in PAGES.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    (tmp_path / "project").mkdir()
    with serve(site) as site_url, running(tmp_path / "project", "sqlite", None, site_url=site_url + "/") as app:
        (site / "newsletter" / "index.html").write_text(sign_up_page(app.url, app.token("newsletter")), "utf-8")
        with chromium() as browser:
            browser.get(site_url + "/newsletter/")
            browser.find_element(By.ID, "email").send_keys("browser@example.org")
            browser.find_element(By.ID, "name").send_keys("ブラウザ")
            browser.find_element(By.ID, "consent").click()
            browser.find_element(By.ID, "send").click()
            WebDriverWait(browser, 10).until(lambda b: b.current_url == site_url + "/newsletter/thanks/")
            assert app.rows()["subscribers"] == 1 and app.sink.count() == 1

            token = hmac.new(SECRET.encode(), b"browser@example.org", hashlib.sha256).hexdigest()[:32]
            browser.get(f"{app.url}/newsletter/unsubscribe?email=browser%40example.org&token={token}")
            assert browser.find_element(By.TAG_NAME, "h1").text == "メールマガジンの配信停止"
            browser.find_element(By.TAG_NAME, "button").click()
            WebDriverWait(browser, 10).until(lambda b: b.current_url == site_url + "/newsletter/unsubscribed/")
            assert browser.find_element(By.TAG_NAME, "h1").text == "配信を停止しました"
            assert app.rows()["suppressions"] == 1
            assert not [entry for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
