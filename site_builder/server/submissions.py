"""A form POST read and checked against the form's definition (content/forms.py): each
field present at most once (``choices`` any number of times), NFC, no control characters
(a ``textarea`` keeps its line breaks), within ``max_chars``, required fields filled,
choices among the offered ones, the address a valid mail address, consent exactly ``yes``.
Fields the form does not define are ignored: nothing but the definition is ever stored.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl

from email_validator import EmailNotValidError, validate_email

from site_builder.content.forms import Form, FormField

MAX_FIELDS = 100  # name=value pairs in one body (the intake form has at most 26)
BACK = "ブラウザの「戻る」で入力画面に戻り、直してからもう一度送ってください。"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # a textarea keeps \t and \n
_LINE_BREAK = re.compile(r"[\t\n]")


class Refusal(Exception):
    """A request the server does not take: the status, the Japanese heading and advice the
    reader sees, and a short reason for the log (never the content)."""

    def __init__(self, status: int, title: str, advice: str, reason: str):
        super().__init__(reason)
        self.status, self.title, self.advice, self.reason = status, title, advice, reason


def bad_field(field: FormField, problem: str, reason: str) -> Refusal:
    return Refusal(
        400, "入力に直すところがあります", f"「{field.label}」{problem}{BACK}", f"field {field.name}: {reason}"
    )


def read_pairs(body: bytes) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` (percent-encoded UTF-8) as name/value pairs."""
    try:
        return parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise Refusal(
            400,
            "送られた内容を読めませんでした",
            "フォームの送り方が正しくありません。センターのサイトのフォームのページを開き直して、もう一度送ってください。",
            "body not readable as a form",
        ) from None


def values_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        found.setdefault(name, []).append(value)
    return found


def single(values: dict[str, list[str]], name: str) -> str:
    """The one value of a field that is not a form field (the honeypot, the token); '' if absent."""
    given = values.get(name, [])
    if len(given) > 1:
        raise Refusal(400, "送られた内容を読めませんでした", BACK, f"{name} sent twice")
    return given[0] if given else ""


def read_form(form: Form, values: dict[str, list[str]]) -> dict[str, str | tuple[str, ...]]:
    """Each field of ``form``, checked and normalized; the first problem as a :class:`Refusal`."""
    return {field.name: read_field(field, values.get(field.name, [])) for field in form.fields}


def read_field(field: FormField, given: list[str]) -> str | tuple[str, ...]:
    if field.kind == "choices":
        offered = [key for key, _ in field.choices]
        if len(given) > len(offered) or any(value not in offered for value in given):
            raise bad_field(field, "の選び方が正しくありません。", "not among the choices")
        return tuple(key for key in offered if key in given)
    if len(given) > 1:
        raise bad_field(field, "が2回送られました。", "sent twice")
    value = text_value(field, given[0] if given else "")
    if not value:
        if field.required:
            raise bad_field(field, "を入力してください。", "missing")
        return ""
    if field.kind == "email":
        return mail_address(field, value)
    if field.kind == "choice" and value not in dict(field.choices):
        raise bad_field(field, "の選び方が正しくありません。", "not among the choices")
    if field.kind == "consent" and value != "yes":
        raise bad_field(field, "に同意していただく必要があります。", "consent not yes")
    return value


def text_value(field: FormField, raw: str) -> str:
    value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _CONTROL.search(value) or (field.kind != "textarea" and _LINE_BREAK.search(value)):
        raise bad_field(field, "に使えない文字（改行や制御文字）が入っています。", "control characters")
    if len(value) > field.max_chars:
        raise bad_field(
            field, f"は {field.max_chars} 字までです（いまは {len(value)} 字）。短くしてください。", "too long"
        )
    return value


def mail_address(field: FormField, value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError:
        raise bad_field(
            field, "がメールアドレスとして正しくありません（例: info@example.org）。", "not an address"
        ) from None
