"""Sending: a real SMTP server (aiosmtpd) on 127.0.0.1, the real CLI, killed senders.

Every received message is parsed with the stdlib email parser; tokens are checked
against an HMAC computed here, independently of the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from site_builder.cli import main
from tests.conftest import new_project

SECRET = "test-secret-0123456789abcdef"
EDITION = "2020-07a"
NOW = "2020-07-02T10:00"


class Sink:
    """Collects every accepted message; can hold the transaction of one recipient at
    RCPT (before the final dot can be sent) or in DATA (after the dot, before 250)."""

    def __init__(self, hold_rcpt: str = "", hold_data: str = ""):
        self.messages: list[tuple[list[str], bytes, bool]] = []
        self.hold_rcpt, self.hold_data = hold_rcpt, hold_data
        self.reached, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()

    async def _hold(self) -> None:
        self.reached.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.hold_rcpt and not self.release.is_set():
            await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content, session.ssl is not None))
        if self.hold_data in envelope.rcpt_tos and not self.release.is_set():
            await self._hold()
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def per_recipient(self) -> Counter:
        with self.lock:
            return Counter(rcpt for tos, _, _ in self.messages for rcpt in tos)

    def parsed(self) -> list:
        with self.lock:
            return [BytesParser(policy=policy.default).parsebytes(content) for _, content, _ in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(sink: Sink, **smtp_options) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = new_project(
        tmp_path_factory.mktemp("mailer"),
        {
            "content/newsletter/2020-07a.md": """
            ---
            title: 創刊号
            date: 2020-07-01T09:00
            ---
            創刊のごあいさつです。
            """,
            "content/newsletter/2020-07b.md": """
            ---
            date: 2020-07-01T09:00
            draft: true
            ---
            """,
            "content/news/hello.md": """
            ---
            title: "お知らせ <A> & \\"B\\""
            date: 2020-06-30T10:00
            summary: テスト用のお知らせです。
            ---
            本文。
            """,
        },
    )
    for edition in (EDITION, "2020-07b"):
        assert main(["--root", str(root), "newsletter", "build", "--edition", edition, "--now", NOW]) == 0
    return root


def subscribers(path: Path, count: int, extra: str = "") -> Path:
    rows = "".join(f"sub{i:03d}@example.com,購読者{i}\n" for i in range(1, count + 1))
    path.write_text("email,name\n" + rows + extra, encoding="utf-8")
    return path


def env_for(controller: Controller, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SITE_BUILDER_")}
    env.update(
        SITE_BUILDER_LANG="en",  # the messages these tests read (tests/conftest.py)
        SITE_BUILDER_SMTP_HOST="127.0.0.1",
        SITE_BUILDER_SMTP_PORT=str(controller.port),
        SITE_BUILDER_NEWSLETTER_SECRET=SECRET,
        SITE_BUILDER_SMTP_FROM="bounces@yokohama-kyodo.example",
        **extra,
    )
    return env


def send_command(root: Path, out: Path, csv: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "site_builder.cli",
        "--root",
        str(root),
        "newsletter",
        "send",
        "--edition",
        EDITION,
        "--subscribers",
        str(csv),
        "--no-server-database",  # the scratch project names a server but has no database
        "--now",
        NOW,
        "--out",
        str(out),
        "--quiet",
        *options,
    ]


def copy_build(built: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A fresh project (its own state folder, so its own ledger) and an output folder
    holding the module's built edition."""
    root, out = tmp_path / "project", tmp_path / "out"
    root.mkdir()
    shutil.copy(built / "mkdocs.yml", root / "mkdocs.yml")
    (out / EDITION).mkdir(parents=True)
    source = built / "dist" / "newsletter" / EDITION / "edition.json"
    (out / EDITION / "edition.json").write_bytes(source.read_bytes())
    return root, out


def token_of(address: str) -> str:
    return hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:32]


def ledger_states(root: Path) -> dict[str, str]:
    states = {}
    for line in (root / "state" / "newsletter" / EDITION / "ledger.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "email" in record:
            states[record["email"]] = record["state"]
    return states


def test_sends_each_subscriber_one_personal_copy(built: Path, tmp_path: Path):
    sink = Sink()
    controller = start_server(sink)
    try:
        root, out = copy_build(built, tmp_path)
        csv = subscribers(tmp_path / "subs.csv", 50, "not-an-address,誤り\nSUB007@Example.com,重複\n")
        result = subprocess.run(
            send_command(root, out, csv, "--rate", "0"),
            env=env_for(controller),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert f"{csv}:52: email: 'not-an-address' is not a valid address" in result.stderr
        assert f"{csv}:53: email: SUB007@example.com is also on line 8; sent once" in result.stderr
        assert "sent 50, already sent 0" in result.stderr
        assert SECRET not in result.stderr + result.stdout
        counts = sink.per_recipient()
        assert counts == Counter({f"sub{i:03d}@example.com": 1 for i in range(1, 51)})
        messages = sink.parsed()
        assert len({m["Message-ID"] for m in messages}) == 50
        for message in messages:
            address = message["To"].addresses[0].addr_spec
            assert message["To"].addresses[0].display_name.startswith("購読者")
            assert message["Subject"] == "【横浜市市民協働推進センター】創刊号"
            assert message["Message-ID"].endswith("@yokohama-kyodo.example>")
            https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
            query = parse_qs(urlsplit(https).query)
            assert query == {"email": [address], "token": [token_of(address)]}
            assert mailto == f"mailto:unsubscribe@yokohama-kyodo.example?subject=unsubscribe%20{token_of(address)}"
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            assert https in text and https.replace("&", "&amp;") in html
        tokens = {
            parse_qs(urlsplit(m["List-Unsubscribe"].split(",")[0].strip(" <>")).query)["token"][0] for m in messages
        }
        assert len(tokens) == 50

        again = subprocess.run(
            send_command(root, out, csv), env=env_for(controller), capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 0, again.stderr
        assert "sent 0, already sent 50" in again.stderr
        assert sink.count() == 50
    finally:
        controller.stop()


def test_dry_run_sends_nothing(built: Path, tmp_path: Path, run_cli):
    root, out = copy_build(built, tmp_path)
    csv = subscribers(tmp_path / "subs.csv", 3)
    code, stdout, stderr = run_cli(
        "--root",
        root,
        "newsletter",
        "send",
        "--edition",
        EDITION,
        "--subscribers",
        csv,
        "--no-server-database",
        "--now",
        NOW,
        "--out",
        out,
        "--dry-run",
    )
    assert code == 0
    assert stdout.splitlines() == [f"would send to sub00{i}@example.com" for i in (1, 2, 3)]
    assert "3 would be sent" in stderr and "nothing was sent" in stderr
    assert not (root / "state").exists() and not (out / EDITION / "ledger.jsonl").exists()


def test_refuses_before_send_time_drafts_and_missing_secret(built: Path, tmp_path: Path, run_cli, monkeypatch):
    csv = subscribers(tmp_path / "subs.csv", 1)
    base = ["--root", built, "newsletter", "send", "--subscribers", csv, "--no-server-database"]
    code, _, stderr = run_cli(*base, "--edition", EDITION, "--now", "2020-07-01T08:59")
    assert code == 1 and "goes out at 2020-07-01T09:00:00+09:00; nothing is sent before then" in stderr
    code, _, stderr = run_cli(*base, "--edition", "2020-07b", "--now", NOW)
    assert code == 1 and "is a draft" in stderr
    monkeypatch.delenv("SITE_BUILDER_NEWSLETTER_SECRET", raising=False)
    code, _, stderr = run_cli(*base, "--edition", EDITION, "--now", NOW, "--out", tmp_path / "none")
    assert code == 1 and "run `site-builder newsletter build --edition 2020-07a` first" in stderr
    code, _, stderr = run_cli(*base, "--edition", EDITION, "--now", NOW)
    assert code == 1 and "set SITE_BUILDER_NEWSLETTER_SECRET" in stderr


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_killed_midway_then_rerun_sends_exactly_one_copy_each(built: Path, tmp_path: Path):
    sink = Sink()
    controller = start_server(sink)
    try:
        root, out = copy_build(built, tmp_path)
        csv = subscribers(tmp_path / "subs.csv", 50)
        sender = subprocess.Popen(
            send_command(root, out, csv, "--rate", "25"),
            env=env_for(controller),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: sink.count() >= 12)
        time.sleep(0.02)  # usually lands in the rate limit's pause; any point must do
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        partial = sink.count()
        assert 12 <= partial < 50, partial
        rerun = subprocess.run(
            send_command(root, out, csv, "--rate", "0"),
            env=env_for(controller),
            capture_output=True,
            text=True,
            timeout=120,
        )
        # Killed between the relay's acceptance and the ledger's `sent`: reported in
        # doubt and not resent (the relay has it), so still exactly one copy each.
        in_doubt = re.findall(r"^in doubt: (\S+)", rerun.stderr, re.M)
        assert rerun.returncode == (1 if in_doubt else 0), rerun.stderr
        counts = sink.per_recipient()
        assert counts == Counter({f"sub{i:03d}@example.com": 1 for i in range(1, 51)}), counts
        messages = sink.parsed()
        assert len({m["Message-ID"] for m in messages}) == 50
        assert len({m["List-Unsubscribe"] for m in messages}) == 50
        states = ledger_states(root)
        assert {key: state for key, state in states.items() if state != "sent"} == {
            key: "committing" for key in in_doubt
        }
    finally:
        controller.stop()


@contextlib.contextmanager
def killed_while_held(built: Path, tmp_path: Path, **hold: str):
    """A relay that holds one recipient; the sender is SIGKILLed there, then the relay
    lets go. Yields the sink, the relay, the project, the output folder and the subscriber list."""
    sink = Sink(**hold)
    controller = start_server(sink)
    try:
        root, out = copy_build(built, tmp_path)
        csv = subscribers(tmp_path / "subs.csv", 8)
        sender = subprocess.Popen(
            send_command(root, out, csv, "--rate", "0"),
            env=env_for(controller),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert sink.reached.wait(60)
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        sink.release.set()
        yield sink, controller, root, out, csv
    finally:
        controller.stop()


def test_killed_before_the_final_dot_is_resent(built: Path, tmp_path: Path):
    """Held at RCPT: the relay never had the whole message, so the rerun sends it."""
    with killed_while_held(built, tmp_path, hold_rcpt="sub005@example.com") as (sink, controller, root, out, csv):
        assert ledger_states(root)["sub005@example.com"] == "intent"
        rerun = subprocess.run(
            send_command(root, out, csv), env=env_for(controller), capture_output=True, text=True, timeout=60
        )
        assert rerun.returncode == 0, rerun.stderr
        assert "sent 4, already sent 4" in rerun.stderr
        assert sink.per_recipient() == Counter({f"sub{i:03d}@example.com": 1 for i in range(1, 9)})


def test_killed_after_the_final_dot_is_in_doubt_not_resent(built: Path, tmp_path: Path):
    """Held in DATA: the relay has the message; the rerun must not send a second copy
    unless asked, and then only with the same Message-ID."""
    with killed_while_held(built, tmp_path, hold_data="sub005@example.com") as (sink, controller, root, out, csv):
        assert ledger_states(root)["sub005@example.com"] == "committing"
        rerun = subprocess.run(
            send_command(root, out, csv), env=env_for(controller), capture_output=True, text=True, timeout=60
        )
        assert rerun.returncode == 1
        assert "in doubt: sub005@example.com" in rerun.stderr and "sent 3, already sent 4" in rerun.stderr
        assert sink.per_recipient() == Counter({f"sub{i:03d}@example.com": 1 for i in range(1, 9)})

        forced = subprocess.run(
            send_command(root, out, csv, "--resend-in-doubt"),
            env=env_for(controller),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert forced.returncode == 0, forced.stderr
        copies = [m for m in sink.parsed() if m["To"].addresses[0].addr_spec == "sub005@example.com"]
        assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_starttls_and_login(built: Path, tmp_path: Path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, session.ssl is not None))
        return AuthResult(success=auth_data.login == b"center" and auth_data.password == b"pa55-word")

    sink = Sink()
    controller = start_server(
        sink, tls_context=server_context, require_starttls=True, authenticator=authenticator, auth_require_tls=True
    )
    try:
        root, out = copy_build(built, tmp_path)
        csv = subscribers(tmp_path / "subs.csv", 2)
        env = env_for(
            controller,
            SITE_BUILDER_SMTP_USER="center",
            SITE_BUILDER_SMTP_PASSWORD="pa55-word",
            SSL_CERT_FILE=str(tmp_path / "ca.pem"),
        )
        result = subprocess.run(send_command(root, out, csv), env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "pa55-word" not in result.stderr + result.stdout
        assert logins == [(b"center", True)]
        assert [tls for _, _, tls in sink.messages] == [True, True]
    finally:
        controller.stop()


def test_a_rebuilt_edition_is_not_sent_to_the_rest_unless_allowed(built: Path, tmp_path: Path):
    sink = Sink()
    controller = start_server(sink)
    try:
        root, out = copy_build(built, tmp_path)
        env = env_for(controller)
        first = subprocess.run(
            send_command(root, out, subscribers(tmp_path / "a.csv", 2)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert first.returncode == 0, first.stderr
        edition = out / EDITION / "edition.json"
        data = json.loads(edition.read_text(encoding="utf-8"))
        edition.write_text(
            json.dumps({**data, "subject": data["subject"] + "（訂正）"}, ensure_ascii=False), encoding="utf-8"
        )
        csv = subscribers(tmp_path / "b.csv", 4)
        refused = subprocess.run(send_command(root, out, csv), env=env, capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and "was rebuilt with other content" in refused.stderr
        assert sink.count() == 2
        allowed = subprocess.run(
            send_command(root, out, csv, "--allow-changed"), env=env, capture_output=True, text=True, timeout=60
        )
        assert allowed.returncode == 0 and "sent 2, already sent 2" in allowed.stderr
        assert [m["Subject"].endswith("（訂正）") for m in sink.parsed()] == [False, False, True, True]
    finally:
        controller.stop()


def test_rate_limit_spaces_messages():
    from site_builder.newsletter.mailer import RateLimit

    clock, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock[0] += seconds

    limit = RateLimit(4, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limit.wait()
    clock[0] += 1.0  # a slow message: no catching up afterwards
    limit.wait()
    limit.wait()
    assert slept == [0.25, 0.25, 0.25]
