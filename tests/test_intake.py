"""Consultations through the server, for real: the form posted to uvicorn on 127.0.0.1,
the staff notice and the acknowledgement read back from the local SMTP server, the
``intake`` commands, a case draft that ``check`` accepts, and the retention purge."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import pytest

from site_builder.content.dates import TOKYO
from site_builder.content.frontmatter import read_source
from site_builder.server import store
from tests.served_server import SITE_URL, STAFF, running, serve_app
from tests.test_mailer import free_port

BODY = (
    "子ども食堂の場所について相談したいです。\n<script>alert(1)</script> と書いても文字のままです。\n"
    "資料は[こちら](shiryou.md)、図は ![図](/images/none.png) です。"  # links check would refuse in a case
)


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, postgres_cluster, monkeypatch):
    with running(tmp_path, request.param, postgres_cluster) as served:
        for name, value in served.environ.items():  # the commands' database, relay and secret
            monkeypatch.setenv(name, value)
        yield served


def consultation(app, **changes) -> dict:
    token = app.token("intake") if app else ""
    return {
        "kind": "proposal",
        "organization": 'NPO法人 "みなと" テスト',
        "person": "横浜 花子",
        "email": "hanako@example.org",
        "phone": "045-000-0000",
        "body": BODY,
        "preferred": "平日の午後",
        "wards": ["nishi", "naka"],
        "consent": "yes",
        "website": "",
        "form_token": token,
    } | changes


def test_a_consultation_reaches_staff_and_the_sender_and_starts_a_case_draft(app, run_cli):
    response = app.post("/intake", consultation(app))
    assert (response.status_code, response.headers["location"]) == (303, SITE_URL + "consultation/thanks/")
    staff, ack = sorted(app.sink.parsed(), key=lambda mail: mail["To"] != STAFF)
    assert staff["Subject"] == '【相談受付 1】協働の提案（NPO法人 "みなと" テスト）'
    assert staff["Reply-To"].addresses[0].addr_spec == "hanako@example.org"
    assert staff["Reply-To"].addresses[0].display_name == "横浜 花子"
    text = staff.get_content().replace("\r\n", "\n")
    for shown in (
        "■ 相談の種類: 協働の提案",
        "■ 担当者名: 横浜 花子",
        "■ 関係する区: 西区・中区",
        "045-000-0000",
        BODY,
    ):
        assert shown in text
    assert ack["To"] == "hanako@example.org" and ack["Reply-To"] == STAFF
    assert "受付番号は 1 です" in ack.get_content()
    assert "子ども食堂" not in ack.as_string() and "花子" not in ack.as_string()  # nothing of the form goes back out

    code, out, _ = run_cli("--root", app.root, "intake", "list")
    assert code == 0 and out.splitlines()[1].split("\t")[2:5] == [
        "協働の提案",
        'NPO法人 "みなと" テスト 横浜 花子',
        "yes",
    ]
    code, out, _ = run_cli("--root", app.root, "intake", "show", "1")
    assert code == 0 and f"内容:\n{BODY}\n" in out and "関係する区: 西区・中区" in out

    code, out, _ = run_cli("--root", app.root, "intake", "export", "1", "--slug", "minato", "--now", "2026-12-01T10:00")
    assert code == 0 and "wrote cases/minato.md" in out
    case = app.root / "cases" / "minato.md"
    meta = read_source(case).data
    assert (meta["status"], meta["draft"], meta["wards"]) == ("proposal", True, ["nishi", "naka"])
    assert meta["title"] == "協働の提案（受付番号 1）" and len(meta["partners"]) == 2
    written = case.read_text(encoding="utf-8")
    assert "site-builder intake show 1" in written and "【要記入：" in written
    for sent in ("hanako@example.org", "045-000-0000", "花子", "みなと", "子ども食堂", "script", "shiryou", "none.png"):
        assert sent not in written  # nothing the sender wrote: git would keep it for ever
    code, out, err = run_cli("--root", app.root, "check")
    assert code == 0, out + err

    before = case.read_bytes()
    code, _, err = run_cli("--root", app.root, "intake", "export", "1", "--slug", "minato")
    assert code == 1 and "cases/minato.md already exists" in err and case.read_bytes() == before
    assert run_cli("--root", app.root, "intake", "list")[1].splitlines()[1].endswith("\tcases/minato.md")


def test_without_a_staff_address_the_intake_is_closed_and_the_page_gives_the_phone(tmp_path):
    with running(tmp_path, "sqlite", None, server_staff_address=None) as app:  # center_phone of mkdocs.yml
        response = app.post("/intake", consultation(app))
        assert response.status_code == 503 and "窓口か電話（000-000-0000（サンプル））でお受けします" in response.text
        assert app.rows()["consultations"] == 0 and app.sink.count() == 0


def test_when_the_relay_is_down_a_consultation_is_kept_and_a_sign_up_is_not(app, run_cli):
    app.stop_relay()
    response = app.post("/intake", consultation(app))
    assert response.status_code == 303 and app.rows()["consultations"] == 1
    assert run_cli("--root", app.root, "intake", "list")[1].splitlines()[1].split("\t")[4] == "NOT SENT"
    form = {"email": "a@example.org", "consent": "yes", "website": "", "form_token": app.token("newsletter")}
    refused = app.post("/newsletter/subscribe", form)
    assert refused.status_code == 503 and "もう一度申し込んで" in refused.text
    assert app.rows()["subscribers"] == 0 and app.sink.count() == 0


def test_purge_forgets_old_consultations_expired_sign_ups_and_ended_subscriptions_but_keeps_the_stop(app, run_cli):
    secret = app.service.newsletter_secret
    assert app.post("/intake", consultation(app)).status_code == 303
    now = int(time.time())
    engine = app.service.engine
    for address in ("pending@example.org", "stays@example.org", "left@example.org"):
        store.subscribe(engine, address, "", f"token-{address}", now + 3600, now)
    store.confirm(engine, "token-stays@example.org", secret, now)
    store.confirm(engine, "token-left@example.org", secret, now)
    store.unsubscribe(engine, "left@example.org", secret, now)
    code, out, _ = run_cli("--root", app.root, "intake", "purge", "--now", at(now + 1800))
    assert out == "deleted 0 consultations and 0 ended subscriptions older than 365 days, and 0 unconfirmed sign-ups\n"
    code, out, _ = run_cli("--root", app.root, "intake", "purge", "--now", at(now + 7200))  # the link has expired
    assert out == "deleted 0 consultations and 0 ended subscriptions older than 365 days, and 1 unconfirmed sign-ups\n"
    code, out, _ = run_cli("--root", app.root, "intake", "purge", "--now", at(now + 366 * 86400))
    assert code == 0
    assert out == "deleted 1 consultations and 1 ended subscriptions older than 365 days, and 0 unconfirmed sign-ups\n"
    assert store.known_addresses(engine) == ["stays@example.org"]
    assert app.rows() == {"subscribers": 1, "suppressions": 1, "consultations": 0}
    assert store.suppressed(engine, secret, ["left@example.org", "stays@example.org"]) == {"left@example.org"}
    with engine.connect() as connection:  # the stop is kept as an HMAC only
        assert "left" not in str(connection.exec_driver_sql("SELECT * FROM suppressions").all())


def at(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, TOKYO).isoformat()


def test_the_server_purges_at_start_and_two_purges_at_once_are_harmless(app):
    engine, now = app.service.engine, int(time.time())
    old = store.add_consultation(engine, consultation_values(), now - 400 * 86400)
    store.subscribe(engine, "expired@example.org", "", "token-expired", now - 60, now - 8 * 86400)
    store.subscribe(engine, "waiting@example.org", "", "token-waiting", now + 3600, now)
    threads = [threading.Thread(target=store.purge, args=(engine, now, 365)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.find_consultation(engine, old) is None and store.known_addresses(engine) == ["waiting@example.org"]

    old = store.add_consultation(engine, consultation_values(), now - 400 * 86400)
    with serve_app(app.root, free_port(), app.environ):  # another instance starts: it purges first
        assert store.find_consultation(engine, old) is None


def consultation_values() -> dict:
    """A consultation as the store takes it."""
    left_out = ("consent", "website", "form_token")
    return {name: value for name, value in consultation(None).items() if name not in left_out}


def test_staff_delete_a_consultation_at_the_senders_request(app, run_cli):
    assert app.post("/intake", consultation(app)).status_code == 303
    assert run_cli("--root", app.root, "intake", "export", "1")[0] == 0
    code, out, _ = run_cli("--root", app.root, "intake", "delete", "1")
    assert code == 0 and out.startswith("deleted consultation 1; cases/intake-1.md was written from it")
    assert app.rows()["consultations"] == 0
    code, _, err = run_cli("--root", app.root, "intake", "delete", "1")
    assert code == 1 and "no consultation 1" in err


def test_the_commands_say_what_is_missing_without_a_traceback(tmp_path, run_cli, monkeypatch):
    from tests.conftest import new_project
    from tests.served_server import server_project

    for name in ("SITE_BUILDER_DATABASE_URL", "SITE_BUILDER_NEWSLETTER_SECRET", "SITE_BUILDER_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "bare").mkdir()
    bare = new_project(tmp_path / "bare")
    config = bare / "mkdocs.yml"  # the repository's, without the server
    config.write_text(re.sub(r"(?m)^ +server_\w+:.*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")
    code, _, err = run_cli("--root", bare, "server")
    assert (
        code == 1 and err.startswith("error: mkdocs.yml: set extra.site_builder.server_url") and "Traceback" not in err
    )
    (tmp_path / "ready").mkdir()
    root = server_project(tmp_path / "ready", 8030)
    code, _, err = run_cli("--root", root, "server")
    assert code == 1 and "set SITE_BUILDER_NEWSLETTER_SECRET" in err
    code, _, err = run_cli("--root", root, "intake", "list")
    assert code == 1 and "no database at sqlite:///" in err and "site-builder server migrate" in err
    code, _, err = run_cli("--lang", "ja", "--root", root, "intake", "list")
    assert "データベース" in err and "まだありません" in err
    code, out, _ = run_cli("--root", root, "server", "migrate")
    assert code == 0 and out.endswith("server.sqlite3 is up to date\n")
    assert (root / "state" / "server.sqlite3").is_file()
    code, _, err = run_cli("--root", root, "intake", "show", "99")
    assert code == 1 and "no consultation 99" in err
    monkeypatch.setenv("SITE_BUILDER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _, err = run_cli("--root", root, "server", "migrate")
    assert code == 1 and "error: database postgresql+psycopg://nobody@127.0.0.1:1/none" in err
