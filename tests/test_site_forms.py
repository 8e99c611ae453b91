"""The forms the site sends to the centre's server, read from real builds of the sample site.

With the project's mkdocs.yml (``server_url`` set), the channels page carries the newsletter
sign-up and /consultation/form/ the consultation form: each a plain POST to the server with
exactly the fields of its definition in content/forms.py, limits and all, a hidden token
that the server's own check (``check_form_token``) accepts with the project's secret, and a
honeypot field people never see. The pages the server redirects to exist, ask not to be
listed, and are in no sitemap or search index. Without ``server_url`` none of it is built.
Pages are read with lxml; the search index's fragments as Pagefind wrote them.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from site_builder.cli import main
from site_builder.content import dates
from site_builder.content.forms import (
    FORMS,
    HONEYPOT_FIELD,
    INTAKE,
    INTAKE_KINDS,
    NEWSLETTER,
    PRIVACY_PAGE,
    SECRET_ENV,
    SERVER_PAGES,
    TOKEN_FIELD,
    check_form_token,
    form_secret,
)
from site_builder.content.wards import AREA_NAMES
from site_builder.site.forms import DONE_PAGES
from tests.conftest import PROJECT, new_project, without_server, write_files
from tests.golden import NOW, build_sample

SERVER = "https://forms.yokohama-kyodo.example"  # the project's mkdocs.yml
ISSUED = int(dates.as_instant(dates.parse_time(NOW)).timestamp())
MAX_AGE = 60 * 86400
TEXT_KINDS = ("text", "email", "tel", "textarea")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample site built with the project's config; the project is beside it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_ENV, raising=False)  # the project's own secret, in its state folder
        return build_sample(tmp_path_factory.mktemp("forms"))


def page(site: Path, url: str) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(site / url.strip("/") / "index.html")).getroot()


def sent_names(form: lxml.html.HtmlElement) -> list[str]:
    """The names of the controls the form sends, in order, once each."""
    return list(dict.fromkeys(form.xpath(".//*[self::input or self::textarea or self::select]/@name")))


def the_form(site: Path, url: str, form_id: str) -> lxml.html.HtmlElement:
    (form,) = page(site, url).xpath(f"//form[@id='{form_id}']")
    return form


@pytest.mark.parametrize(
    ("url", "form_id", "definition"),
    [("/subscribe/", "newsletter-signup", NEWSLETTER), ("/consultation/form/", "intake", INTAKE)],
)
def test_each_form_posts_its_definition_to_the_server(built, url, form_id, definition):
    form = the_form(built, url, form_id)
    assert form.get("method") == "post" and form.get("action") == SERVER + definition.path
    assert form.get("enctype") is None  # application/x-www-form-urlencoded, the default
    assert sent_names(form) == [*(field.name for field in definition.fields), HONEYPOT_FIELD, TOKEN_FIELD]
    root = form.getroottree().getroot()
    for field in definition.fields:
        controls = form.xpath(f".//*[@name='{field.name}']")
        for control in controls:
            labels = root.xpath(f"//label[@for='{control.get('id')}']")
            assert len(labels) == 1 and labels[0].text_content().strip(), f"{field.name}: no label"
        if field.kind in TEXT_KINDS:
            (control,) = controls
            assert control.get("maxlength") == str(field.max_chars), field.name
            assert (control.get("required") is not None) == field.required, field.name
            expected_type = {"email": "email", "tel": "tel", "text": "text"}.get(field.kind)
            assert control.tag == ("textarea" if field.kind == "textarea" else "input")
            assert control.get("type") == expected_type, field.name
        for described in (control.get("aria-describedby") for control in controls):
            if described:
                assert root.xpath(f"//*[@id='{described}']"), f"{field.name}: describedby {described} is missing"


def test_the_email_field_says_what_it_is(built):
    form = the_form(built, "/subscribe/", "newsletter-signup")
    (email,) = form.xpath(".//input[@name='email']")
    assert email.get("type") == "email" and email.get("autocomplete") == "email" and email.get("required") is not None
    (name,) = form.xpath(".//input[@name='name']")
    assert name.get("autocomplete") == "name" and name.get("required") is None


def test_choices_are_groups_with_a_legend(built):
    form = the_form(built, "/consultation/form/", "intake")
    for field, kind, values in (("kind", "radio", dict(INTAKE_KINDS)), ("wards", "checkbox", AREA_NAMES)):
        (group,) = form.xpath(f".//fieldset[.//input[@name='{field}']]")
        assert group.xpath("./legend")[0].text_content().startswith(INTAKE.field(field).label)
        inputs = group.xpath(f".//input[@name='{field}']")
        assert [i.get("value") for i in inputs] == list(values) and {i.get("type") for i in inputs} == {kind}
        labels = [group.xpath(f".//label[@for='{i.get('id')}']")[0].text_content() for i in inputs]
        assert labels == list(values.values())
    assert {i.get("required") is not None for i in form.xpath(".//input[@name='kind']")} == {True}
    assert {i.get("required") for i in form.xpath(".//input[@name='wards']")} == {None}


@pytest.mark.parametrize(("url", "form_id"), [("/subscribe/", "newsletter-signup"), ("/consultation/form/", "intake")])
def test_consent_links_the_privacy_page(built, url, form_id):
    form = the_form(built, url, form_id)
    (consent,) = form.xpath(".//input[@name='consent']")
    assert consent.get("type") == "checkbox" and consent.get("value") == "yes" and consent.get("required") is not None
    (help_text,) = form.xpath(f".//*[@id='{consent.get('aria-describedby')}']")
    links = help_text.xpath(".//a/@href")
    assert len(links) == 1 and (built / url.strip("/") / links[0]).resolve() == (built / "privacy").resolve()


@pytest.mark.parametrize(("url", "form_id"), [("/subscribe/", "newsletter-signup"), ("/consultation/form/", "intake")])
def test_the_honeypot_is_hidden_from_people(built, url, form_id):
    form = the_form(built, url, form_id)
    (trap,) = form.xpath(f".//input[@name='{HONEYPOT_FIELD}']")
    assert trap.get("tabindex") == "-1" and trap.get("autocomplete") == "off" and trap.get("value") == ""
    assert trap.getparent().get("aria-hidden") == "true"
    hidden = trap.getparent().get("class")
    css = (built / "assets" / "site.css").read_text(encoding="utf-8")
    rule = re.search(rf"\.{hidden}\s*\{{([^}}]*)\}}", css)
    assert rule and "left: -10000px" in rule[1] and "height: 1px" in rule[1], "the trap is not moved out of sight"


@pytest.mark.parametrize(("url", "form_id"), [("/subscribe/", "newsletter-signup"), ("/consultation/form/", "intake")])
def test_the_token_is_issued_at_the_build_time_with_the_projects_secret(built, url, form_id):
    form = the_form(built, url, form_id)
    (token,) = form.xpath(f".//input[@type='hidden'][@name='{TOKEN_FIELD}']/@value")
    name = FORMS[token.split(".")[1]].name
    assert token.startswith(f"{ISSUED}.{name}.")
    secret = form_secret(built.parent / "project" / "state")
    assert check_form_token(secret, name, token, ISSUED + 3600, MAX_AGE) is None
    assert check_form_token(b"another secret", name, token, ISSUED, MAX_AGE) == "forged"
    assert check_form_token(secret, name, token, ISSUED + MAX_AGE + 1, MAX_AGE) == "expired"
    other = "intake" if name == "newsletter" else "newsletter"
    assert check_form_token(secret, other, token, ISSUED, MAX_AGE) == "forged"


def test_the_secret_stays_in_the_state_folder_for_its_owner(built):
    secret_file = built.parent / "project" / "state" / "form-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text(encoding="ascii").strip()
    assert len(secret) == 64
    for path in built.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt", ".js"):
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path


def test_the_home_page_and_the_channels_page_lead_to_the_sign_up(built):
    home = page(built, "/")
    (button,) = home.xpath("//section[@class='sb-signup']//a[contains(@class, 'sb-button')]/@href")
    assert button == "subscribe/#newsletter-signup"
    channels = page(built, "/subscribe/")
    assert not channels.xpath("//a[contains(@href, 'list.yokohama-kyodo.example')]")
    assert "準備中" not in channels.xpath("//section[@aria-labelledby='newsletter']")[0].text_content()


def test_the_consultation_page_links_the_form(project_site):
    links = page(project_site, "/consultation/").xpath("//main//a/@href")
    assert {"form/", "/consultation/form/"} & set(links)


DONE_WORDS = {
    "/newsletter/thanks/": ("確認のメール", "7日以内"),
    "/newsletter/confirmed/": ("次の号から",),
    "/newsletter/unsubscribed/": ("配信を停止しました", "#newsletter-signup"),
    "/consultation/thanks/": ("このあとの流れ", "000-000-0000"),
}


@pytest.mark.parametrize("url", SERVER_PAGES[1:])
def test_the_pages_after_a_form_ask_not_to_be_listed(built, url):
    root = page(built, url)
    assert root.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert root.xpath("//h1")[0].text_content().replace("\u200b", "") == DONE_PAGES[url]
    html = lxml.html.tostring(root, encoding="unicode")
    assert all(word in html for word in DONE_WORDS[url]), url
    assert not root.xpath("//*[@data-pagefind-body]")


def test_only_the_pages_after_a_form_are_left_out_of_the_sitemap_and_search(built):
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    for url in SERVER_PAGES[1:]:
        assert url not in sitemap
    for url in ("/consultation/form/", PRIVACY_PAGE):
        assert f"https://www.yokohama-kyodo.example{url}<" in sitemap
    indexed = set()
    for path in (built / "pagefind" / "fragment").glob("*.pf_fragment"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        indexed.add(json.loads(text[text.index("{") :])["url"])
    assert {"/consultation/form/", PRIVACY_PAGE} <= indexed
    assert not indexed & set(SERVER_PAGES[1:])


def test_the_privacy_page_prints_the_settings_and_each_forms_fields(built):
    root = page(built, PRIVACY_PAGE)
    text = root.text_content()
    assert "365日" in text and "1時間に10回" in text and "60日" in text and "ハッシュ" in text
    for form in (NEWSLETTER, INTAKE):
        for field in form.fields:
            if field.kind != "consent":
                assert field.label in text
    footer = page(built, "/").xpath("//footer//a[text()='個人情報の取り扱い']/@href")
    assert footer == ["privacy/"]


def test_two_builds_at_the_same_time_write_the_same_forms(built, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(built.parent / "project", again)
    assert main(["--root", str(again), "build", "--quiet", "--now", NOW]) == 0
    for url in ("/subscribe/", "/consultation/form/"):
        assert (again / "site" / url.strip("/") / "index.html").read_bytes() == (
            built / url.strip("/") / "index.html"
        ).read_bytes()


def test_the_secret_from_the_environment_signs_the_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "the deploy's secret")
    root = new_project(tmp_path)
    assert main(["--root", str(root), "build", "--quiet", "--now", NOW]) == 0
    (token,) = page(root / "site", "/subscribe/").xpath(f"//input[@name='{TOKEN_FIELD}']/@value")
    assert check_form_token(b"the deploy's secret", "newsletter", token, ISSUED, MAX_AGE) is None
    assert not (root / "state" / "form-secret").exists()


# --- without server_url ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    root = new_project(tmp_path_factory.mktemp("no-server"))
    without_server(root)
    assert main(["--root", str(root), "build", "--quiet", "--now", NOW]) == 0
    return root


def test_without_server_url_there_is_no_form_and_no_page_after_one(bare):
    site = bare / "site"
    for path in site.rglob("*.html"):
        assert not lxml.html.parse(str(path)).xpath("//form[@method='post']"), path
    for url in SERVER_PAGES:
        assert not (site / url.strip("/")).exists(), url
    assert not (site / "assets" / "forms.js").exists()
    assert not (bare / "state" / "form-secret").exists()  # nothing was signed
    channels = page(site, "/subscribe/").xpath("//section[@aria-labelledby='newsletter']")[0].text_content()
    assert "準備中" in channels
    privacy = page(site, PRIVACY_PAGE).text_content()
    assert "フォームはありません" in privacy and "365日" not in privacy


def test_a_link_to_a_form_page_without_server_url_says_what_to_set(bare, run_cli):
    write_files(
        bare,
        {
            "content/help.md": "---\ntitle: 案内\ndate: 2020-07-01\nsummary: 案内\n---\n"
            "[相談フォーム](/consultation/form/)\n"
        },
    )
    code, _, err = run_cli("--root", bare, "check", "--now", NOW)
    assert code == 1
    assert (
        "content/help.md:6: body: link target /consultation/form/ is a page of the centre's forms, written only " in err
    )
    assert "server_url" in err


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("content/privacy.md", PRIVACY_PAGE),
        ("content/consultation/form.md", "/consultation/form/"),
        ("content/consultation/thanks.md", "/consultation/thanks/"),
        ("content/newsletter/thanks.md", "/newsletter/thanks/"),
        ("content/newsletter/confirmed.md", "/newsletter/confirmed/"),
        ("content/subscribe.md", "/subscribe/"),
    ],
)
def test_content_cannot_take_the_forms_pages(tmp_path, run_cli, path, url):
    root = new_project(tmp_path)
    without_server(root)  # reserved all the same: setting server_url later breaks nothing
    write_files(root, {path: "---\ntitle: ページ\ndate: 2020-07-01\nsummary: ページ\n---\n本文\n"})
    code, _, err = run_cli("--root", root, "check", "--now", NOW)
    assert code == 1
    assert f"{path}:1: slug: the page URL {url} is reserved for generated pages" in err


def test_next_change_asks_for_a_rebuild_within_a_week_while_forms_are_on(tmp_path, run_cli):
    root = new_project(tmp_path)
    code, out, _ = run_cli("--root", root, "next-change", "--now", "2020-07-20T12:00")
    assert code == 0 and out.strip() == "2020-07-27T12:00:00+09:00"
    without_server(root)
    code, out, _ = run_cli("--root", root, "next-change", "--now", "2020-07-20T12:00")
    assert code == 0 and out.strip() == "none"


def test_with_a_list_service_too_the_servers_form_wins(tmp_path):
    root = new_project(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "    newsletter_signup_url: https://list.yokohama-kyodo.example/join\n",
        encoding="utf-8",
    )
    assert main(["--root", str(root), "build", "--quiet", "--now", NOW]) == 0
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "list.yokohama-kyodo.example" not in home and 'href="subscribe/#newsletter-signup"' in home
    channels = page(root / "site", "/subscribe/")
    assert not channels.xpath("//a[contains(@href, 'list.yokohama-kyodo.example')]")
    assert channels.xpath("//form[@id='newsletter-signup']")


def test_the_form_secret_is_never_committed(tmp_path):
    """The root .gitignore holds it, wherever state_dir is: a copy of the project that keeps only
    that file (the web editor's test project) ignores it too, and its `git add .` adds nothing."""
    shutil.copy(PROJECT / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    for path in ("state/form-secret", "elsewhere/form-secret", "state/.form-secret.123.ab"):
        ignored = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", "-q", path], check=False)
        assert ignored.returncode == 0, path
