"""The mails the server sends: the confirmation of a newsletter sign-up, the
acknowledgement of a consultation and the notice to staff. Headers are set through
``email.message`` (one line each; names as display names, never pasted into a header).

What a stranger typed never goes to the address they typed: the confirmation and the
acknowledgement carry no name and no text from the form, so the forms cannot be used
to send anyone a message of the sender's choosing, and one address gets at most
``MAILS_PER_ADDRESS_PER_DAY`` of them a day. Only staff see the consultation itself.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from site_builder.content.forms import CONFIRM_DAYS, INTAKE, INTAKE_KINDS
from site_builder.content.wards import AREA_NAMES
from site_builder.newsletter.mailer import MailerError, Relay
from site_builder.server import store
from site_builder.server.service import Service

MAILS_PER_ADDRESS_PER_DAY = 3  # confirmations and acknowledgements to one address


class NoticeFailed(Exception):
    pass


def over_cap(service: Service, address: str) -> bool:
    """Count a confirmation or acknowledgement to ``address`` (by an HMAC, in the database, so
    the cap holds across instances); True past the day's cap: then nothing is sent, and the
    answer to the form is the same as ever (it tells nobody about the address)."""
    recipient = store.recipient_hash(service.newsletter_secret, address)
    return store.over_mail_cap(service.engine, recipient, service.now(), MAILS_PER_ADDRESS_PER_DAY)


def _message(service: Service, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    domain = email.utils.parseaddr(service.sender)[1].rpartition("@")[2] or "localhost"
    message["Subject"] = subject
    message["From"] = service.sender
    message["To"] = to
    message["Date"] = email.utils.format_datetime(dt.datetime.fromtimestamp(service.now(), dt.UTC))
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, charset="utf-8", cte="quoted-printable")  # 7-bit safe through any relay
    return message


def confirmation(service: Service, address: str, token: str) -> EmailMessage:
    link = f"{service.server_url}/newsletter/confirm?token={token}"
    text = (
        f"{service.site_name}のメールマガジンへの登録の申し込みを受け付けました。\n\n"
        f"登録を終えるには、{CONFIRM_DAYS}日以内に次のリンクを開き、「登録を完了する」のボタンを押してください。\n"
        f"{link}\n\n"
        "このメールに心当たりがないときは、何もしないでください。登録されません。\n"
    )
    return _message(service, address, f"【{service.site_name}】メールマガジン登録の確認", text)


def acknowledgement(service: Service, address: str, number: int) -> EmailMessage:
    text = (
        f"{service.site_name}です。ご相談を受け付けました。受付番号は {number} です。\n\n"
        "担当者から、いただいた連絡先へお返事します。数日たっても連絡がないときは、"
        "受付番号を添えて、このメールに返信してください。\n\n"
        "このメールに心当たりがないときは、お手数ですが破棄してください。\n"
    )
    message = _message(service, address, f"【{service.site_name}】ご相談を受け付けました（受付番号 {number}）", text)
    message["Reply-To"] = service.settings.staff_address
    return message


def staff_notice(service: Service, number: int, values: dict) -> EmailMessage:
    kind = dict(INTAKE_KINDS)[values["kind"]]
    lines = [f"受付番号: {number}", f"site-builder intake show {number} でも見られます。", ""]
    for field in INTAKE.fields:
        if field.kind == "consent":
            continue
        value = values[field.name]
        if field.name == "kind":
            value = kind
        elif field.name == "wards":
            value = "・".join(AREA_NAMES[ward] for ward in value)
        lines.append(f"■ {field.label}\n{value}\n" if field.kind == "textarea" else f"■ {field.label}: {value}")
    lines.append("\nこのメールに返信すると、相談した方に届きます。")
    who = values["organization"] or values["person"]
    message = _message(
        service, service.settings.staff_address, f"【相談受付 {number}】{kind}（{who}）", "\n".join(lines)
    )
    message["Reply-To"] = Address(display_name=values["person"], addr_spec=values["email"])
    return message


def send(service: Service, message: EmailMessage) -> None:
    """Hand ``message`` to the relay (a NoticeFailed when it is not accepted)."""
    recipient = email.utils.parseaddr(str(message["To"]))[1]
    sender = service.smtp.envelope_from or email.utils.parseaddr(service.sender)[1]
    relay = Relay(service.smtp)
    try:
        relay.connect()
        code, _reply = relay.deliver(sender, recipient, message.as_bytes(), lambda: None)
    except (MailerError, smtplib.SMTPException, OSError) as exc:
        raise NoticeFailed(f"{type(exc).__name__}") from None
    finally:
        relay.close()
    if not 200 <= code < 300:
        raise NoticeFailed(f"relay answered {code}")
