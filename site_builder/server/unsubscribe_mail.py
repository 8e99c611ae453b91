"""Unsubscription by mail: the editions' ``mailto:`` link asks for a message with the subject
``unsubscribe <token>``. ``site-builder newsletter unsubscribe-mailbox PATH`` reads such
messages from an exported mailbox (an mbox file or a Maildir folder) and stops each address
whose token matches: one of the known addresses, or the message's own From address."""

from __future__ import annotations

import email.header
import email.utils
import hmac
import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from site_builder.content.i18n import bi
from site_builder.newsletter.mailer import unsubscribe_token
from site_builder.server import store

MAX_MESSAGES = 100_000
REQUEST = re.compile(r"^\s*(?:(?:re|fwd?)\s*:\s*)*unsubscribe(?:\s+([0-9a-f]{32}))?\s*$", re.IGNORECASE)


class MailboxError(Exception):
    pass


def read_requests(path: Path) -> Iterator[tuple[str | None, str]]:
    """``(token, From address)`` of each unsubscribe message (token None: the subject had none);
    other messages are ``("", "")``."""
    try:
        box = mailbox.Maildir(path, factory=None, create=False) if path.is_dir() else mailbox.mbox(path, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as exc:
        raise MailboxError(
            bi(
                f"{path}: cannot read it as a mailbox ({exc}); export an mbox file or a Maildir folder",
                f"{path} をメールボックスとして読めません（{exc}）。"
                "mbox ファイルか Maildir のフォルダを書き出してください。",
            )
        ) from None
    for key in keys[:MAX_MESSAGES]:
        message = box.get_message(key)
        try:
            subject = str(email.header.make_header(email.header.decode_header(message.get("Subject", ""))))
        except (UnicodeError, LookupError, email.errors.HeaderParseError):
            subject = ""
        found = REQUEST.match(subject)
        if found is None:
            yield "", ""
            continue
        token = found.group(1)
        yield (token.lower() if token else None), email.utils.parseaddr(message.get("From", ""))[1].lower()


@dataclass
class MailboxReport:
    stopped: list[str] = field(default_factory=list)
    already: int = 0
    unknown: int = 0  # a token that matches no address we know
    without_token: list[str] = field(default_factory=list)  # From addresses, for staff to check by hand
    other: int = 0


def apply_requests(
    engine: Engine, secret: bytes, requests: Iterable[tuple[str | None, str]], known: Iterable[str], now: int
) -> MailboxReport:
    by_token = {unsubscribe_token(secret, address): address.lower() for address in known}
    report = MailboxReport()
    for token, sender in requests:
        if token == "":
            report.other += 1
            continue
        if token is None:
            report.without_token.append(sender)
            continue
        address = by_token.get(token)
        if address is None and sender and hmac.compare_digest(unsubscribe_token(secret, sender), token):
            address = sender
        if address is None:
            report.unknown += 1
        elif store.unsubscribe(engine, address, secret, now):
            report.stopped.append(address)
        else:
            report.already += 1
    return report
