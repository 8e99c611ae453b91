"""The centre's server against abuse, for real: uvicorn on 127.0.0.1, the local SMTP server,
SQLite and PostgreSQL. Every refusal is a clear 4xx with a Japanese page that says what to
do, and leaves the database and the mailbox as they were."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request

from site_builder.content.forms import form_token
from site_builder.server.guard import client_address, client_key, warn_proxy_not_trusted
from tests.served_server import SITE_ORIGIN, SITE_URL, STAFF, environment, running, server_project
from tests.test_cli import stop
from tests.test_mailer import Sink, free_port, start_server

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="module", params=BACKENDS)
def app(request, tmp_path_factory, postgres_cluster):
    root = tmp_path_factory.mktemp(f"server-{request.param}")
    with running(root, request.param, postgres_cluster) as served:
        yield served


def subscription(app, **changes) -> dict:
    return {"email": "reader@example.org", "name": "読者", "consent": "yes", "website": "", **changes} | {
        "form_token": changes.get("form_token", app.token("newsletter"))
    }


def consultation(app, **changes) -> dict:
    fields = {
        "kind": "collaboration",
        "organization": "NPO法人 テスト",
        "person": "横浜 花子",
        "email": "hanako@example.org",
        "phone": "045-000-0000",
        "body": "子ども食堂の場所について相談したいです。",
        "preferred": "平日の午後",
        "wards": ["naka", "nishi"],
        "consent": "yes",
        "website": "",
        "form_token": app.token("intake"),
    }
    return fields | changes


INTAKE, SIGNUP = "/intake", "/newsletter/subscribe"
FOREIGN = "https://evil.example"


def aged(app, form: str, seconds: int) -> str:
    """A token of ``form`` issued ``seconds`` ago (negative: in the future)."""
    return app.token(form, int(time.time()) - seconds)


def forged(app) -> str:
    return form_token(b"x" * 32, "intake", int(time.time()))


# (case, path, the form's fields or body, post() options, status, words the page must say)
ABUSE = [
    ("long field", INTAKE, lambda a: consultation(a, body="あ" * 4001), {}, 400, "4000 字まで"),
    ("long name", SIGNUP, lambda a: subscription(a, name="x" * 101), {}, 400, "100 字まで"),
    ("huge body", INTAKE, lambda a: b"body=" + b"a" * 70_000, {}, 413, "大きすぎます"),
    ("bad address", SIGNUP, lambda a: subscription(a, email="not-an-address"), {}, 400, "例: info@"),
    ("newline in name", SIGNUP, lambda a: subscription(a, name="a\nBcc: x@y"), {}, 400, "改行"),
    ("no consent", INTAKE, lambda a: consultation(a, consent=""), {}, 400, "同意"),
    ("unknown ward", INTAKE, lambda a: consultation(a, wards=["naka", "atlantis"]), {}, 400, "関係する区"),
    ("unknown kind", INTAKE, lambda a: consultation(a, kind="spam"), {}, 400, "相談の種類"),
    ("missing field", INTAKE, lambda a: consultation(a, person=""), {}, 400, "担当者名」を入力"),
    ("field twice", SIGNUP, lambda a: [*subscription(a).items(), ("email", "b@example.org")], {}, 400, "2回"),
    ("forged token", INTAKE, lambda a: consultation(a, form_token=forged(a)), {}, 403, "確かめられません"),
    ("other form's token", INTAKE, lambda a: consultation(a, form_token=a.token("newsletter")), {}, 403, "確かめ"),
    ("no token", SIGNUP, lambda a: subscription(a, form_token=""), {}, 400, "開き直して"),
    ("malformed token", SIGNUP, lambda a: subscription(a, form_token="12.newsletter"), {}, 400, "開き直して"),
    ("non-ASCII token", SIGNUP, lambda a: subscription(a, form_token="1.newsletter.あ"), {}, 400, "開き直して"),
    ("token of digits", INTAKE, lambda a: consultation(a, form_token="9" * 40 + ".intake.00"), {}, 400, "開き直して"),
    ("future token", INTAKE, lambda a: consultation(a, form_token=aged(a, "intake", -3600)), {}, 403, "開き直して"),
    (
        "expired token",
        INTAKE,
        lambda a: consultation(a, form_token=aged(a, "intake", 61 * 86400)),
        {},
        410,
        "60日より前",
    ),
    ("foreign origin", INTAKE, consultation, {"origin": FOREIGN}, 403, "ほかのページ"),
    ("null origin", SIGNUP, subscription, {"origin": "null"}, 403, "ほかのページ"),
    ("no origin", SIGNUP, subscription, {"origin": None}, 403, "ほかのページ"),
    ("foreign referer", INTAKE, consultation, {"origin": None, "Referer": FOREIGN + "/form"}, 403, "ほかのページ"),
    ("multipart", SIGNUP, lambda a: b"--x\r\n", {"Content-Type": "multipart/form-data; boundary=x"}, 415, "開き直して"),
    ("not UTF-8", SIGNUP, lambda a: b"email=%FF%FE&consent=yes", {}, 400, "読めません"),
]


def assert_refusal_page(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in response.text and words in response.text
    assert f'<a href="{SITE_URL}">センターのサイトへ戻る</a>' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(("case", "path", "make", "options", "status", "words"), ABUSE, ids=[a[0] for a in ABUSE])
def test_a_refused_post_says_what_to_do_and_keeps_nothing(app, case, path, make, options, status, words):
    before, mails = app.rows(), app.sink.count()
    client = f"198.51.100.{ABUSE.index(next(a for a in ABUSE if a[0] == case)) + 1}"
    response = app.post(path, make(app), client=client, **options)
    assert_refusal_page(response, status, words)
    assert app.rows() == before
    assert app.sink.count() == mails


@pytest.mark.parametrize("path", ["/intake", "/newsletter/subscribe"])
def test_a_filled_honeypot_looks_accepted_and_nothing_is_kept_or_sent(app, path):
    before, mails = app.rows(), app.sink.count()
    form = consultation if path == "/intake" else subscription
    response = app.post(path, form(app, website="https://spam.example"), client="192.0.2.50")
    thanks = "consultation/thanks/" if path == "/intake" else "newsletter/thanks/"
    assert (response.status_code, response.headers["location"]) == (303, SITE_URL + thanks)
    assert app.rows() == before
    assert app.sink.count() == mails


def test_the_rate_limit_counts_every_post_of_a_client_and_keeps_nothing_past_it(app):
    before, mails = app.rows(), app.sink.count()
    for _ in range(10):  # server_rate_limit_per_hour: 10, refused posts count too
        assert app.post("/intake", consultation(app, consent=""), client="203.0.113.9").status_code == 400
    response = app.post("/intake", consultation(app), client="203.0.113.9")
    assert_refusal_page(response, 429, "1時間ほど待って")
    assert app.rows() == before and app.sink.count() == mails
    accepted = app.post("/intake", consultation(app), client="203.0.113.10")  # another client is not held back
    assert (accepted.status_code, accepted.headers["location"]) == (303, SITE_URL + "consultation/thanks/")
    assert app.rows()["consultations"] == before["consultations"] + 1


def test_a_referer_of_the_site_stands_in_for_a_missing_origin(app):
    response = app.post(
        "/newsletter/subscribe",
        subscription(app, email="referer@example.org"),
        client="203.0.113.20",
        origin=None,
        Referer=SITE_URL + "newsletter/",
    )
    assert (response.status_code, response.headers["location"]) == (303, SITE_URL + "newsletter/thanks/")


def test_a_server_on_this_machine_takes_the_preview_s_forms_and_answers_with_its_pages(app):
    # make preview: the site on http://127.0.0.1:8000, the server on 127.0.0.1 too.
    preview = "http://127.0.0.1:8000"
    response = app.post("/intake", consultation(app), client="203.0.113.21", origin=preview)
    assert (response.status_code, response.headers["location"]) == (303, preview + "/consultation/thanks/")
    public = dataclasses.replace(app.service, server_url="https://forms.yokohama-kyodo.example")
    assert not public.allows(preview) and public.allows(SITE_ORIGIN) and not app.service.allows(FOREIGN)
    assert public.for_origin(preview) is public and app.service.for_origin(SITE_ORIGIN) is app.service


def test_health_and_the_japanese_pages_of_unknown_addresses_and_methods(app):
    health = app.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")
    assert_refusal_page(app.get("/nothing-here"), 404, "ページがありません")
    not_allowed = app.get("/intake")
    assert_refusal_page(not_allowed, 405, "サイトのフォームのページから")
    assert not_allowed.headers["allow"] == "POST"


def request_from(peer: str, forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("198.51.100.7", "1.2.3.4", "198.51.100.7"),  # not our proxy: its header is anybody's words
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the proxy's peer; what came before it could be made up
        ("10.0.0.2", "203.0.113.5, 10.0.0.3", "203.0.113.5"),  # through two of our proxies
    ],
)
def test_the_client_address_is_believed_from_trusted_proxies_only(peer, forwarded, client):
    from ipaddress import ip_network

    assert client_address(request_from(peer, forwarded), [ip_network("10.0.0.0/8")]) == client


def test_two_instances_on_one_postgresql_share_the_rate_limit_and_log_no_personal_data(tmp_path, postgres_cluster):
    from tests.postgres import new_database

    sink = Sink()
    smtp = start_server(sink)
    ports = [free_port(), free_port()]
    root = server_project(tmp_path, ports[0], server_rate_limit_per_hour=3)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SITE_BUILDER_")}
    env |= environment(smtp.port, new_database(postgres_cluster, "shared"))
    env |= {"SITE_BUILDER_FORM_SECRET": "f" * 64, "SITE_BUILDER_LANG": "en"}
    command = [sys.executable, "-m", "site_builder.cli", "--root", str(root), "server", "--port"]
    servers = [subprocess.Popen([*command, str(port)], env=env, stderr=subprocess.PIPE, text=True) for port in ports]
    client = httpx.Client(trust_env=False, timeout=10)
    try:
        for port in ports:
            wait_for(client, f"http://127.0.0.1:{port}/healthz")
        token = form_token(b"f" * 64, "newsletter", int(time.time()))
        answers = []
        for number in range(5):  # alternately to each instance, from one client
            form = {"email": f"twin{number}@example.org", "consent": "yes", "website": "", "form_token": token}
            url = f"http://127.0.0.1:{ports[number % 2]}/newsletter/subscribe"
            sent = client.post(url, data=form, headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": "203.0.113.77"})
            answers.append(sent.status_code)
        assert answers == [303, 303, 303, 429, 429]
        assert sorted(tos[0] for tos, _, _ in sink.messages) == [
            "twin0@example.org",
            "twin1@example.org",
            "twin2@example.org",
        ]
        link = re.search(r"http://\S+/newsletter/confirm\?token=(\S+)", sink.parsed()[0].get_content())
        assert client.get(link[0]).status_code == 200  # the page with the button
        assert client.post(link[0].partition("?")[0], data={"token": link[1]}).status_code == 303
    finally:
        for server in servers:
            stop(server)
        smtp.stop()
    logs = "".join(server.stderr.read() for server in servers)
    assert "POST /newsletter/subscribe 303" in logs and "POST /newsletter/subscribe 429" in logs
    assert "GET /newsletter/confirm 200" in logs and "POST /newsletter/confirm 303" in logs
    assert "twin" not in logs and link[1] not in logs and "203.0.113.77" not in logs and "127.0.0.1 -" not in logs


def wait_for(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer"
        time.sleep(0.1)


def test_a_household_ipv6_network_is_one_client(app):
    before = app.rows()
    for host in range(1, 11):  # a fresh address of one /64 for each POST
        assert app.post("/intake", consultation(app, consent=""), client=f"2001:db8:5:6::{host}").status_code == 400
    assert_refusal_page(app.post("/intake", consultation(app), client="2001:db8:5:6::ff"), 429, "1時間ほど待って")
    assert app.rows() == before
    assert app.post("/intake", consultation(app), client="2001:db8:5:7::1").status_code == 303  # the next /64
    assert client_key("2001:db8:5:6:aaaa::1") == "2001:db8:5:6::/64" and client_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_one_address_gets_at_most_three_mails_a_day_and_the_answer_does_not_tell(app):
    mails, address = app.sink.count(), "target@example.org"
    answers = []
    for number in range(4):  # from four clients, so that the rate limit is not what stops it
        response = app.post(SIGNUP, subscription(app, email=address), client=f"192.0.2.{100 + number}")
        answers.append((response.status_code, response.headers["location"]))
    assert answers == [(303, SITE_URL + "newsletter/thanks/")] * 4
    assert app.sink.count() == mails + 3
    for number in range(2):  # an acknowledgement is a mail to the address too; staff are told all the same
        response = app.post(INTAKE, consultation(app, email=address), client=f"192.0.2.{110 + number}")
        assert (response.status_code, response.headers["location"]) == (303, SITE_URL + "consultation/thanks/")
    recipients = [tos[0] for tos, _, _ in app.sink.messages[mails:]]
    assert recipients.count(address) == 3 and recipients.count(STAFF) == 2


def test_no_redirect_for_a_trailing_slash(app):
    response = app.post("/intake/", consultation(app), client="192.0.2.120", Host="evil.example")
    assert_refusal_page(response, 404, "ページがありません")
    assert "location" not in response.headers


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def server_log(*names: str) -> Iterator[list[str]]:
    """The lines the server's loggers write while the block runs (with any traceback)."""
    handler = Lines()
    loggers = [logging.getLogger(name) for name in names or ("site_builder.server", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_failure_is_a_japanese_500_page_and_the_log_names_only_its_type(tmp_path, postgres_cluster):
    with running(tmp_path, "postgres", postgres_cluster) as app:
        with app.service.engine.begin() as connection:  # a database that refuses the second consultation
            connection.exec_driver_sql("CREATE UNIQUE INDEX one_each ON consultations (email)")
        assert app.post(INTAKE, consultation(app, email="secret-person@example.org")).status_code == 303
        with server_log() as lines:
            response = app.post(INTAKE, consultation(app, email="secret-person@example.org"))
            deadline = time.monotonic() + 15  # the access log's line follows the answer
            while not any("POST /intake 500" in line for line in lines) and time.monotonic() < deadline:
                time.sleep(0.02)
        assert_refusal_page(response, 500, "しばらく待ってから")
    assert "POST /intake failed (IntegrityError)" in lines and "POST /intake 500" in " ".join(lines)
    assert "secret-person" not in "\n".join(lines) and "Traceback" not in "\n".join(lines)


def test_concurrent_posts_of_one_client_never_pass_the_limit_together(tmp_path, postgres_cluster):
    from site_builder.server import store

    with running(tmp_path, "postgres", postgres_cluster, server_rate_limit_per_hour=3) as app:
        forms = [subscription(app, email=f"rush{number}@example.org") for number in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda form: app.post(SIGNUP, form, client="203.0.113.88").status_code, forms))
        assert sorted(answers) == [303] * 3 + [429] * 5
        for round_ in range(5):  # the store itself, every thread released at one moment
            barrier = threading.Barrier(12)

            def hit(_, key=f"client-{round_}", barrier=barrier) -> bool:
                barrier.wait()
                return store.over_rate_limit(app.service.engine, key, int(time.time()), 3)

            with concurrent.futures.ThreadPoolExecutor(12) as pool:
                assert sorted(pool.map(hit, range(12))) == [False] * 3 + [True] * 9


def test_two_unsubscribes_of_one_address_at_once_both_stop_it(app):
    from site_builder.server import store

    barrier, results = threading.Barrier(2), []

    def stop() -> None:
        barrier.wait()
        results.append(store.unsubscribe(app.service.engine, "twice@example.org", app.service.newsletter_secret, 1))

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert store.suppressed(app.service.engine, app.service.newsletter_secret, ["twice@example.org"])


@pytest.mark.parametrize("older", [False, True], ids=["new", "an older readable file"])
def test_the_sqlite_database_is_private_to_its_owner(tmp_path, older):
    previous = os.umask(0o022)
    if older:  # made before the server kept it private
        (tmp_path / "state").mkdir()
        (tmp_path / "state" / "server.sqlite3").touch(0o644)
    try:
        with running(tmp_path, "sqlite", None) as app:
            assert app.post(SIGNUP, subscription(app, email="mode@example.org")).status_code == 303
            files = sorted((tmp_path / "state").glob("server.sqlite3*"))
            assert [file.name for file in files] == ["server.sqlite3", "server.sqlite3-shm", "server.sqlite3-wal"]
            assert {oct(file.stat().st_mode & 0o777) for file in files} == {"0o600"}
    finally:
        os.umask(previous)


def test_a_proxy_on_this_machine_that_is_not_trusted_is_named_in_the_log():
    warn_proxy_not_trusted.cache_clear()
    with server_log("site_builder.server") as lines:
        for _ in range(2):
            assert client_address(request_from("127.0.0.1", "203.0.113.5"), []) == "127.0.0.1"
        assert client_address(request_from("::1", ""), []) == "::1"
    assert len(lines) == 1 and "server_trusted_proxies is empty" in lines[0]
