"""Send a built edition through an SMTP relay, resumably: each subscriber one copy.

Environment (secrets only from here, never printed):

* ``SITE_BUILDER_SMTP_HOST`` (required), ``SITE_BUILDER_SMTP_PORT`` (default 587;
  465 means TLS from the first byte); STARTTLS is used whenever the relay offers it.
* ``SITE_BUILDER_SMTP_USER`` / ``SITE_BUILDER_SMTP_PASSWORD``: optional; the
  password is only ever sent over TLS.
* ``SITE_BUILDER_SMTP_FROM``: envelope sender (where bounces go); default: the
  edition's From address.
* ``SITE_BUILDER_NEWSLETTER_SECRET``: key of the HMAC-SHA256 that makes each
  recipient's unsubscribe token, ``hex(HMAC(secret, lowercase address))[:32]``
  (the unsubscribe service recomputes it to check a request), and Message-ID.

The ledger (``<state_dir>/newsletter/<edition>/ledger.jsonl``: state, kept apart from
the built edition that a clean deletes; one JSON object a line, appended and fsynced,
locked against a second sender) records each recipient's progress:

``intent``      written before MAIL FROM;
``committing``  fsynced after the message body went out and *before* the final
                ``.`` that asks the relay to accept it;
``sent`` / ``deferred`` (4xx) / ``failed`` (5xx)  fsynced after the relay's reply.

A rerun sends to everyone whose last state is none, ``intent`` or ``deferred``: the
relay never received their final dot, so it cannot have accepted the message. It
skips ``sent`` and ``failed``. A recipient left at ``committing`` is *in doubt*: the
relay had everything but the dot, or the dot too and its reply was lost. SMTP has
no way to ask which (RFC 1047), so the rerun does not resend them (a duplicate is
the likelier harm, since once our dot left the process the relay gets it even if
we are killed) and lists them; ``--resend-in-doubt`` sends them again with the
same deterministic Message-ID, which Gmail and most clients use to drop a duplicate.
The remaining window is therefore the few microseconds between the ``committing``
fsync and handing the dot to the kernel (a kill there leaves that recipient
without a copy until ``--resend-in-doubt``), plus a relay that answers the dot
with an error we never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import fcntl
import hashlib
import hmac
import json
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from site_builder.content.i18n import bi
from site_builder.newsletter.mail import RenderedEdition, compose_message, unsubscribe_links

SEND_STATES = (None, "intent", "deferred")  # last states that mean "send (again)"


class MailerError(Exception):
    pass


@dataclass(frozen=True)
class Subscriber:
    address: str
    name: str
    line: int

    @property
    def key(self) -> str:
        return self.address.lower()


def read_subscribers(path: Path) -> tuple[list[Subscriber], list[str]]:
    """Valid, de-duplicated subscribers (CSV with ``email`` and optional ``name``
    columns) and the problems found, as ``path:line: email: message``."""
    try:
        reader = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines())
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MailerError(
            bi(
                f"{path}: cannot read the subscribers: {exc}",
                f"{path}: 読者の CSV ファイルが読めません（{exc}）。UTF-8 の CSV で保存してください。",
            )
        ) from None
    if "email" not in columns:
        raise MailerError(
            bi(
                f"{path}:1: email: the first line must name the columns, e.g. email,name",
                f"{path}:1: email: 1行目には列の名前を書いてください。例: email,name",
            )
        )
    found: dict[str, Subscriber] = {}
    problems = []
    for line, row in rows:
        raw = (row.get(columns["email"]) or "").strip()
        try:
            address = validate_email(raw, check_deliverability=False, allow_smtputf8=False).ascii_email
        except EmailNotValidError as exc:
            problems.append(
                bi(
                    f"{path}:{line}: email: {raw!r} is not a valid address ({exc}); not sent",
                    f"{path}:{line}: email: {raw!r} はメールアドレスとして正しくありません（{exc}）。"
                    "この行には送りません。例: info@example.org",
                )
            )
            continue
        subscriber = Subscriber(address, (row.get(columns.get("name", "name")) or "").strip(), line)
        if subscriber.key in found:
            first = found[subscriber.key].line
            problems.append(
                bi(
                    f"{path}:{line}: email: {address} is also on line {first}; sent once",
                    f"{path}:{line}: email: {address} は {first} 行目にもあります。1通だけ送ります。",
                )
            )
            continue
        found[subscriber.key] = subscriber
    return list(found.values()), problems


def unsubscribe_token(secret: bytes, address: str) -> str:
    return hmac.new(secret, address.lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def message_id(secret: bytes, edition_id: str, address: str, domain: str) -> str:
    """The same for one recipient of one edition on every try, so a resend can be deduplicated."""
    digest = hmac.new(secret, f"{edition_id}\0{address.lower()}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"<{edition_id}.{digest}@{domain}>"


def edition_digest(rendered: RenderedEdition) -> str:
    text = "\0".join([rendered.subject, rendered.sender, rendered.html, rendered.text])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the ledger ----------------------------------------------------------------------


def read_ledger(path: Path) -> tuple[dict | None, dict[str, dict]]:
    """The header and each recipient's last record; a torn last line is ignored."""
    header, last = None, {}
    if path.is_file():
        for line in path.read_bytes().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "edition" in record:
                header = record  # the latest: --allow-changed adds one
            elif "email" in record:
                last[record["email"]] = record
    return header, last


class Ledger:
    """Append-only, fsynced, locked: one sender per edition at a time."""

    def __init__(self, path: Path, edition_id: str, digest: str, allow_changed: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.file = open(path, "ab")  # noqa: SIM115 the ledger stays open and locked until close()
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise MailerError(
                bi(
                    f"{path}: another send of this edition is running",
                    f"{path}: この号の送信がほかで実行中です。終わってからもう一度実行してください。",
                )
            ) from None
        header, self.last = read_ledger(path)
        if header is not None and header.get("sha256") != digest and not allow_changed:
            self.file.close()
            raise MailerError(
                bi(
                    f"{path}: edition {edition_id} was rebuilt with other content after sending began; "
                    "rebuild the same content, or pass --allow-changed to send the new version to the rest",
                    f"{path}: 号 {edition_id} は送り始めたあとで、ちがう内容で作り直されています。"
                    "同じ内容で作り直すか、--allow-changed を付けて、まだの人に新しい版を送ってください。",
                )
            )
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            self.file.write(b"\n")  # after a torn line
        if header is None or header.get("sha256") != digest:
            self._append({"edition": edition_id, "sha256": digest}, durable=True)

    def state(self, key: str) -> str | None:
        record = self.last.get(key)
        return record["state"] if record else None

    def record(self, key: str, state: str, durable: bool, **detail) -> None:
        entry = {"email": key, "state": state, **detail}
        self._append(entry, durable)
        self.last[key] = entry

    def _append(self, entry: dict, durable: bool) -> None:
        entry = {**entry, "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")}
        self.file.write(json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        self.file.flush()  # survives a kill of this process
        if durable:
            os.fsync(self.file.fileno())  # survives a crash of the machine

    def close(self) -> None:
        self.file.close()


# --- the relay -----------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    envelope_from: str = ""
    timeout: float = 60.0

    @classmethod
    def from_env(cls, environ: dict) -> SmtpSettings:
        host = environ.get("SITE_BUILDER_SMTP_HOST", "")
        if not host:
            raise MailerError(
                bi(
                    "set SITE_BUILDER_SMTP_HOST (and _PORT, _USER, _PASSWORD, _FROM as needed) to send",
                    "送るには SITE_BUILDER_SMTP_HOST を設定してください"
                    "（必要なら _PORT・_USER・_PASSWORD・_FROM も）。",
                )
            )
        try:
            port = int(environ.get("SITE_BUILDER_SMTP_PORT", "587"))
        except ValueError:
            raise MailerError(
                bi(
                    "SITE_BUILDER_SMTP_PORT must be a number",
                    "SITE_BUILDER_SMTP_PORT は数字で書いてください（例: 587）。",
                )
            ) from None
        return cls(
            host,
            port,
            environ.get("SITE_BUILDER_SMTP_USER", ""),
            environ.get("SITE_BUILDER_SMTP_PASSWORD", ""),
            environ.get("SITE_BUILDER_SMTP_FROM", ""),
        )


_LEADING_DOT = re.compile(rb"(?m)^\.")


class Relay:
    """One SMTP connection; ``deliver`` splits DATA so the ledger can mark the point
    of no return just before the final dot."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> None:
        s = self.settings
        context = ssl.create_default_context()
        if s.port == 465:
            self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        # The final dot goes in its own small write: without this, Nagle's algorithm
        # holds it until the relay's delayed ACK (~40 ms a message).
        self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.smtp.ehlo()
        secure = s.port == 465
        if not secure and self.smtp.has_extn("starttls"):
            self.smtp.starttls(context=context)
            self.smtp.ehlo()
            secure = True
        if s.user:
            if not secure:
                raise MailerError(
                    bi(
                        f"{s.host}:{s.port} offers no TLS; the password is never sent in clear",
                        f"{s.host}:{s.port} は暗号化（TLS）に対応していません。"
                        "パスワードを暗号化せずに送ることはしません。",
                    )
                )
            self.smtp.login(s.user, s.password)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def deliver(self, sender: str, recipient: str, data: bytes, before_commit: Callable[[], None]) -> tuple[int, str]:
        smtp = self.smtp
        for command, accepted in (
            (lambda: smtp.mail(sender), (250,)),
            (lambda: smtp.rcpt(recipient), (250, 251)),
            (lambda: smtp.docmd("DATA"), (354,)),
        ):
            code, reply = command()
            if code not in accepted:
                smtp.rset()
                return code, reply.decode("utf-8", "replace")
        body = _LEADING_DOT.sub(b"..", data)
        smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        before_commit()
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        return code, reply.decode("utf-8", "replace")


class RateLimit:
    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock, self.sleep, self.next = clock, sleep, 0.0

    def wait(self) -> None:
        now = self.clock()
        if self.next > now:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + self.interval


# --- sending -------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.deferred or self.failed or self.in_doubt)


def plan(
    subscribers: Iterable[Subscriber], last: dict[str, dict], resend_in_doubt: bool
) -> tuple[list[Subscriber], SendReport]:
    """Who gets a message in this run, and what the ledger already settled."""
    report, todo = SendReport(), []
    for subscriber in subscribers:
        state = (last.get(subscriber.key) or {}).get("state")
        if state in SEND_STATES or (state == "committing" and resend_in_doubt):
            todo.append(subscriber)
        elif state == "sent":
            report.already.append(subscriber.address)
        elif state == "failed":
            report.failed.append(subscriber.address)
        else:
            report.in_doubt.append(subscriber.address)
    return todo, report


@dataclass
class Sender:
    """Everything a send run needs; ``run`` walks the plan in subscriber order."""

    rendered: RenderedEdition
    ledger: Ledger
    relay: Relay
    secret: bytes
    date: dt.datetime
    rate: RateLimit
    envelope_from: str = ""
    on_done: Callable[[], None] = lambda: None

    def run(self, todo: list[Subscriber], report: SendReport) -> SendReport:
        try:
            self.relay.connect()
            for subscriber in todo:
                self.rate.wait()
                self.send_one(subscriber, report)
                self.on_done()
        except (smtplib.SMTPException, OSError) as exc:
            raise MailerError(
                bi(
                    f"SMTP: {type(exc).__name__}: {exc}; rerun to resume",
                    f"SMTP: {type(exc).__name__}: {exc}。もう一度実行すると続きから送ります。",
                )
            ) from None
        finally:
            self.relay.close()
        return report

    def message_bytes(self, subscriber: Subscriber) -> tuple[str, bytes]:
        domain = email.utils.parseaddr(self.rendered.sender)[1].rpartition("@")[2]
        token = unsubscribe_token(self.secret, subscriber.address)
        https_link, mailto_link = unsubscribe_links(self.rendered, subscriber.address, token)
        mid = message_id(self.secret, self.rendered.id, subscriber.address, domain)
        to = email.utils.formataddr((subscriber.name, subscriber.address)) if subscriber.name else subscriber.address
        message = compose_message(
            self.rendered, to=to, message_id=mid, date=self.date, https_link=https_link, mailto_link=mailto_link
        )
        return mid, message.as_bytes()

    def send_one(self, subscriber: Subscriber, report: SendReport, tries: int = 3) -> None:
        mid, data = self.message_bytes(subscriber)
        sender = self.envelope_from or email.utils.parseaddr(self.rendered.sender)[1]
        key = subscriber.key
        for attempt in range(1, tries + 1):
            self.ledger.record(key, "intent", durable=False, message_id=mid, attempt=attempt)
            committed = []
            try:
                code, reply = self.relay.deliver(
                    sender,
                    subscriber.address,
                    data,
                    lambda: (
                        self.ledger.record(key, "committing", durable=True, message_id=mid),
                        committed.append(True),  # noqa: B023 called inside deliver(), in this iteration
                    ),
                )
            except (smtplib.SMTPException, OSError) as exc:
                self.relay.close()
                if committed:  # the relay may have accepted it: never retried blindly
                    report.in_doubt.append(subscriber.address)
                    self.relay.connect()
                    return
                if attempt == tries:
                    raise MailerError(
                        bi(
                            f"the relay keeps failing ({type(exc).__name__}: {exc}); rerun to resume",
                            f"メールサーバーへの送信が失敗し続けています（{type(exc).__name__}: {exc}）。"
                            "もう一度実行すると続きから送ります。",
                        )
                    ) from None
                time.sleep(min(2**attempt, 30))
                self.relay.connect()
                continue
            self.settle(subscriber, report, mid, code, reply)
            return

    def settle(self, subscriber: Subscriber, report: SendReport, mid: str, code: int, reply: str) -> None:
        if 200 <= code < 300:
            state, bucket = "sent", report.sent
        elif 400 <= code < 500:
            state, bucket = "deferred", report.deferred
        else:
            state, bucket = "failed", report.failed
        self.ledger.record(subscriber.key, state, durable=True, message_id=mid, reply=f"{code} {reply}"[:200])
        bucket.append(subscriber.address)
