"""The newsletter through the server, end to end: sign up on the server, the confirmation
mail arrives at the local SMTP server, its link confirms, ``newsletter send --subscribers db``
reaches exactly the confirmed, the edition's own one-click link (RFC 8058) stops one, and
the next send skips it; a CSV send skips it too. Unsubscribes by mail from a mailbox."""

from __future__ import annotations

import hashlib
import hmac
import mailbox
import re
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from site_builder.cli import main
from site_builder.server import store
from site_builder.server.database import subscribers
from tests.served_server import SITE_ORIGIN, SITE_URL, running, server_project
from tests.test_mailer import SECRET

EDITIONS = {
    f"content/newsletter/{edition}.md": f"""
    ---
    title: {title}
    date: 2020-07-0{day}T09:00
    ---
    ごあいさつです。
    """
    for edition, title, day in (("2020-07a", "創刊号", 1), ("2020-07b", "第2号", 2))
}
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:\d+/newsletter/confirm\?token=[A-Za-z0-9_-]+")


def token_for(address: str) -> str:
    """The unsubscribe token, computed here as README documents it."""
    return hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, postgres_cluster, monkeypatch):
    with running(tmp_path, request.param, postgres_cluster, EDITIONS) as served:
        for name, value in served.environ.items():
            monkeypatch.setenv(name, value)
        yield served


def sign_up(app, address: str, name: str = "読者") -> None:
    form = {"email": address, "name": name, "consent": "yes", "website": "", "form_token": app.token("newsletter")}
    response = app.post("/newsletter/subscribe", form)
    assert (response.status_code, response.headers["location"]) == (303, SITE_URL + "newsletter/thanks/")


def confirmation_link(app, address: str) -> str:
    mails = [mail for mail in app.sink.parsed() if mail["To"] == address and "登録の確認" in mail["Subject"]]
    return CONFIRM_LINK.search(mails[-1].get_content())[0]


def send(app, edition: str, source: str, capsys) -> list[str]:
    """Run ``newsletter build`` and ``send``; the addresses the relay received in this send."""
    root, before = str(app.root), app.sink.count()
    assert main(["--root", root, "newsletter", "build", "--edition", edition, "--now", "2020-07-03T10:00"]) == 0
    command = ["newsletter", "send", "--edition", edition, "--subscribers", source, "--now", "2020-07-03T10:00"]
    assert main(["--root", root, *command, "--rate", "0", "--quiet"]) == 0
    capsys.readouterr()
    return sorted(tos[0] for tos, _, _ in app.sink.messages[before:])


def test_sign_up_confirm_send_unsubscribe_in_one_click_and_the_next_send_skips(app, capsys):
    for address in ("a@example.org", "b@example.org", "pending@example.org"):
        sign_up(app, address, name="「今すぐ http://spam.example へ」")
    confirmation = next(mail for mail in app.sink.parsed() if mail["To"] == "a@example.org")
    assert "spam.example" not in confirmation.as_string()  # a stranger's words never reach the address given
    for address in ("a@example.org", "b@example.org"):
        link = confirmation_link(app, address)
        assert app.client.head(link).status_code == 200  # a scanner or a prefetch: nothing happens
        page = app.get(link)
        assert page.status_code == 200 and "登録を完了する</button>" in page.text
        assert f"form-action 'self' {SITE_ORIGIN}" in page.headers["content-security-policy"]
        assert address not in app.send_names()  # neither did opening the page
        for _ in range(2):  # pressed twice, or the link opened again: still confirmed
            answer = app.confirm(link)
            assert (answer.status_code, answer.headers["location"]) == (303, SITE_URL + "newsletter/confirmed/")
    assert send(app, "2020-07a", "db", capsys) == ["a@example.org", "b@example.org"]

    edition = [mail for mail in app.sink.parsed() if mail["List-Unsubscribe"] and "b@example.org" in mail["To"]][-1]
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_link = re.search(r"<(http[^>]+)>", edition["List-Unsubscribe"])[1]
    assert https_link.startswith(app.url + "/newsletter/unsubscribe?")
    assert parse_qs(urlsplit(https_link).query)["token"] == [token_for("b@example.org")]
    # What a mail provider sends (RFC 8058): no Origin, no form token.
    one_click = app.client.post(
        https_link, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert one_click.status_code == 200 and "配信を停止しました" in one_click.text

    assert send(app, "2020-07b", "db", capsys) == ["a@example.org"]
    csv = app.root / "list.csv"
    csv.write_text("email,name\nB@example.org,B\nc@example.org,C\n", encoding="utf-8")
    assert main(["--root", str(app.root), "newsletter", "send", "--edition", "2020-07b", "--subscribers", str(csv),
                 "--now", "2020-07-03T10:00", "--rate", "0", "--quiet"]) == 0  # fmt: skip
    assert "B@example.org unsubscribed; not sent" in capsys.readouterr().err
    assert sorted(tos[0] for tos, _, _ in app.sink.messages[-1:]) == ["c@example.org"]


def test_signing_up_a_known_address_answers_as_for_a_new_one(app, capsys):
    sign_up(app, "known@example.org")
    assert app.confirm(confirmation_link(app, "known@example.org")).status_code == 303
    answers = []
    for address in ("known@example.org", "new@example.org"):
        form = {"email": address, "consent": "yes", "website": "", "form_token": app.token("newsletter")}
        response = app.post("/newsletter/subscribe", form, client=f"192.0.2.{len(answers) + 1}")
        answers.append((response.status_code, response.headers["location"], response.content))
    assert answers[0] == answers[1]
    assert [mail["To"] for mail in app.sink.parsed()[-2:]] == ["known@example.org", "new@example.org"]
    assert send(app, "2020-07a", "db", capsys) == ["known@example.org"]  # still confirmed; new@ is pending


def test_a_confirmation_link_that_is_wrong_old_or_replaced_says_what_to_do(app):
    assert "途中で切れないように" in app.get("/newsletter/confirm", token="short").text
    assert app.get("/newsletter/confirm", token="short").status_code == 400
    assert app.get("/newsletter/confirm", token="x" * 43).status_code == 404
    sign_up(app, "late@example.org")
    link = confirmation_link(app, "late@example.org")
    with app.service.engine.begin() as connection:
        connection.execute(update(subscribers).values(token_expires=0))
    expired = app.get(link)
    assert expired.status_code == 410 and "もう一度申し込んで" in expired.text
    token = link.partition("token=")[2]
    assert app.client.post(f"{app.url}/newsletter/confirm", data={"token": token}).status_code == 410
    assert app.client.post(f"{app.url}/newsletter/confirm", data={"token": "short"}).status_code == 400


def test_an_old_link_of_a_confirmed_subscriber_says_confirmed(app):
    sign_up(app, "old@example.org")
    link = confirmation_link(app, "old@example.org")
    assert app.confirm(link).status_code == 303
    with app.service.engine.begin() as connection:
        connection.execute(update(subscribers).values(token_expires=0))
    for answer in (app.get(link), app.client.post(f"{app.url}/newsletter/confirm", data={"token": link[-43:]})):
        assert (answer.status_code, answer.headers["location"]) == (303, SITE_URL + "newsletter/confirmed/")


def test_a_new_name_for_a_confirmed_address_waits_for_the_new_link(app, capsys):
    sign_up(app, "named@example.org", name="山田")
    assert app.confirm(confirmation_link(app, "named@example.org")).status_code == 303
    sign_up(app, "named@example.org", name="今すぐ http://spam.example へ")
    assert app.send_names() == {"named@example.org": "山田"}  # a stranger could have typed it
    assert app.confirm(confirmation_link(app, "named@example.org")).status_code == 303
    assert app.send_names() == {"named@example.org": "今すぐ http://spam.example へ"}  # the owner confirmed it


def test_the_unsubscribe_page_asks_before_it_stops_and_then_shows_the_sites_page(app):
    address = "page@example.org"
    page = app.get("/newsletter/unsubscribe", email=address, token=token_for(address))
    assert page.status_code == 200 and "配信を停止する</button>" in page.text and address in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)[1].replace("&amp;", "&")
    assert action == f"{app.url}/newsletter/unsubscribe?email=page%40example.org&token={token_for(address)}"
    assert app.rows()["suppressions"] == 0  # opening the page changes nothing
    pressed = app.client.post(action, data={"List-Unsubscribe": "One-Click", "via": "page"})
    assert (pressed.status_code, pressed.headers["location"]) == (303, SITE_URL + "newsletter/unsubscribed/")
    assert app.rows()["suppressions"] == 1
    assert f"form-action 'self' {SITE_ORIGIN}" in page.headers["content-security-policy"]
    wrong = app.get("/newsletter/unsubscribe", email=address, token="0" * 32)
    assert wrong.status_code == 403 and "配信停止のリンクが正しくありません" in wrong.text
    assert app.client.post(f"{app.url}/newsletter/unsubscribe?email={address}").status_code == 400


def mail(subject: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "unsubscribe@yokohama-kyodo.example", subject
    message.set_content("")
    return message


@pytest.mark.parametrize("kind", ["mbox", "Maildir"])
def test_unsubscribe_mails_from_an_exported_mailbox(app, kind, capsys):
    sign_up(app, "known@example.org")
    assert app.confirm(confirmation_link(app, "known@example.org")).status_code == 303
    path = app.root / ("box.mbox" if kind == "mbox" else "Maildir")
    box = mailbox.mbox(path) if kind == "mbox" else mailbox.Maildir(path)
    for message in (
        mail(f"unsubscribe {token_for('known@example.org')}", "Someone Else <other@example.org>"),  # a known address
        mail(f"Re: unsubscribe {token_for('csv-only@example.org')}", "csv-only@example.org"),  # its own From
        mail(f"unsubscribe {token_for('nobody@example.org')}", "x@example.org"),  # matches nothing
        mail("unsubscribe", "bare@example.org"),
        mail("お問い合わせ", "q@example.org"),
    ):
        box.add(message)
    box.close()
    assert main(["--root", str(app.root), "newsletter", "unsubscribe-mailbox", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "unsubscribed 2, already unsubscribed 0, unknown token 1, without token 1, other mails 1\n"
    assert "no token, not applied: bare@example.org" in err
    assert main(["--root", str(app.root), "newsletter", "unsubscribe-mailbox", str(path)]) == 0
    assert capsys.readouterr().out.startswith("unsubscribed 0, already unsubscribed 2,")
    assert send(app, "2020-07a", "db", capsys) == []


def test_an_unsubscribed_reader_who_signs_up_again_and_confirms_gets_mail_again(app, capsys):
    address = "back@example.org"
    sign_up(app, address)
    assert app.confirm(confirmation_link(app, address)).status_code == 303
    assert (
        app.client.post(
            f"{app.url}/newsletter/unsubscribe", params={"email": address, "token": token_for(address)}
        ).status_code
        == 200
    )
    sign_up(app, address)
    assert send(app, "2020-07a", "db", capsys) == []  # pending again: nothing until the new link is opened
    assert app.confirm(confirmation_link(app, address)).status_code == 303
    assert send(app, "2020-07b", "db", capsys) == [address]


def test_staff_unsubscribe_and_delete_an_address_at_the_readers_request(app, run_cli, capsys):
    sign_up(app, "asks@example.org")
    assert app.confirm(confirmation_link(app, "asks@example.org")).status_code == 303
    code, out, _ = run_cli("--root", app.root, "newsletter", "unsubscribe", "Asks@example.org")
    assert (code, out) == (0, "Asks@example.org: unsubscribed and deleted\n")
    assert "asks@example.org" not in store.known_addresses(app.service.engine)  # the address itself is gone
    assert store.suppressed(app.service.engine, app.service.newsletter_secret, ["asks@example.org"])
    code, out, _ = run_cli("--root", app.root, "newsletter", "unsubscribe", "asks@example.org")
    assert (code, out) == (0, "asks@example.org: was already unsubscribed; deleted\n")
    csv = app.root / "list.csv"
    csv.write_text("email\nasks@example.org\n", encoding="utf-8")
    assert send(app, "2020-07a", str(csv), capsys) == []  # a CSV of its own does not bring it back
    code, _, err = run_cli("--root", app.root, "newsletter", "unsubscribe", "not-an-address")
    assert code == 1 and "'not-an-address' is not a mail address" in err


def test_a_csv_send_without_the_servers_database_is_refused_unless_asked(tmp_path, run_cli, monkeypatch):
    monkeypatch.delenv("SITE_BUILDER_DATABASE_URL", raising=False)
    root = server_project(tmp_path, 8031, EDITIONS)
    assert run_cli("--root", root, "newsletter", "build", "--edition", "2020-07a", "--now", "2020-07-03T10:00")[0] == 0
    (root / "list.csv").write_text("email\nreader@example.org\n", encoding="utf-8")
    command = ["--root", root, "newsletter", "send", "--edition", "2020-07a", "--subscribers", root / "list.csv"]
    command += ["--now", "2020-07-03T10:00", "--dry-run"]
    code, out, err = run_cli(*command)
    assert code == 1 and out == "" and "Traceback" not in err
    assert "no server database at sqlite:///" in err and "pass --no-server-database" in err
    assert "サーバーのデータベース" in run_cli("--lang", "ja", *command)[2]
    code, out, _ = run_cli(*command, "--no-server-database")
    assert code == 0 and out == "would send to reader@example.org\n"


def test_an_edition_linking_to_a_server_on_this_machine_goes_to_no_relay_elsewhere(app, monkeypatch, capsys):
    root, before = str(app.root), app.sink.count()
    assert main(["--root", root, "newsletter", "build", "--edition", "2020-07a", "--now", "2020-07-03T10:00"]) == 0
    monkeypatch.setenv("SITE_BUILDER_SMTP_HOST", "relay.example.org")  # a real relay: never reached
    command = ["newsletter", "send", "--edition", "2020-07a", "--subscribers", "db", "--now", "2020-07-03T10:00"]
    assert main(["--root", root, *command, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"unsubscribe link is {app.url}/newsletter/unsubscribe, on this machine" in err and "Traceback" not in err
    assert app.sink.count() == before
