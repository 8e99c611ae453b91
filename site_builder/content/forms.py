"""The forms readers send to the centre's server, in one place for both sides.

The build draws the forms on the site from these definitions (fields, labels, limits,
choices) and signs each with a form token; the server (``site-builder server``) checks
every POST against the same definitions and the same token. So a limit or a choice is
written once, and a form from an older build is still read the way it was drawn.

The form token is ``<issued>.<form>.<hex HMAC-SHA256(secret, "<form>\\0<issued>")>``,
``issued`` in Unix seconds. The build signs with ``SITE_BUILDER_FORM_SECRET``; where that
is unset (a preview, a server on the same machine), both sides use a random secret that
the first of them writes to ``<state_dir>/form-secret``, readable by its owner only.
A token proves the form came from a page of our build, not from a form elsewhere that
was never on our site; it is not a secret from readers (it is in the page), so the server
also checks the Origin, the honeypot and a per-address rate limit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from site_builder.content.settings import Config
from site_builder.content.wards import AREA_NAMES
from site_builder.writer import state_path

SECRET_ENV = "SITE_BUILDER_FORM_SECRET"
SECRET_FILE = "form-secret"
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "website"  # hidden from people (CSS and aria-hidden); a bot that fills it is refused

FieldKind = Literal["text", "email", "tel", "textarea", "choice", "choices", "consent"]


@dataclass(frozen=True)
class FormField:
    """One field of a form. ``max_chars`` bounds the text after NFC; ``choices`` maps
    the value sent to the label shown (``choice``: one of them, ``choices``: any)."""

    name: str
    label: str
    kind: FieldKind
    required: bool = False
    max_chars: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Form:
    """A form: its name (in the token and the URL), the server path it posts to, its fields."""

    name: str
    path: str
    fields: tuple[FormField, ...]

    def field(self, name: str) -> FormField:
        return next(field for field in self.fields if field.name == name)


CONSENT_LABEL = "個人情報の取り扱いに同意します"

NEWSLETTER = Form(
    name="newsletter",
    path="/newsletter/subscribe",
    fields=(
        FormField("email", "メールアドレス", "email", required=True, max_chars=254),
        FormField("name", "お名前（任意）", "text", max_chars=100),
        FormField("consent", CONSENT_LABEL, "consent", required=True),
    ),
)

INTAKE_KINDS = (
    ("collaboration", "協働の相談"),
    ("activity", "市民活動の相談"),
    ("space", "スペース利用"),
    ("proposal", "協働の提案"),
)

INTAKE = Form(
    name="intake",
    path="/intake",
    fields=(
        FormField("kind", "相談の種類", "choice", required=True, choices=INTAKE_KINDS),
        FormField("organization", "団体名", "text", max_chars=100, help="個人の方は空欄で構いません。"),
        FormField("person", "担当者名", "text", required=True, max_chars=100),
        FormField("email", "連絡先（メールアドレス）", "email", required=True, max_chars=254),
        FormField("phone", "連絡先（電話番号・任意）", "tel", max_chars=30),
        FormField("body", "内容", "textarea", required=True, max_chars=4000),
        FormField("preferred", "希望する日時", "text", max_chars=200, help="例: 平日の午後、12月10日 14時以降"),
        FormField("wards", "関係する区", "choices", choices=tuple(AREA_NAMES.items())),
        FormField("consent", CONSENT_LABEL, "consent", required=True),
    ),
)

FORMS = {form.name: form for form in (NEWSLETTER, INTAKE)}


def _signature(secret: bytes, form: str, issued: int) -> str:
    return hmac.new(secret, f"{form}\0{issued}".encode(), hashlib.sha256).hexdigest()


def form_token(secret: bytes, form: str, issued: int) -> str:
    """The token a build puts in ``form``'s hidden field."""
    return f"{issued}.{form}.{_signature(secret, form, issued)}"


TokenProblem = Literal["missing", "malformed", "forged", "expired", "future"]


def check_form_token(secret: bytes, form: str, token: str, now: int, max_age_seconds: int) -> TokenProblem | None:
    """None when ``token`` was signed for ``form`` with ``secret`` within ``max_age_seconds``
    before ``now`` (a minute of clock difference allowed); otherwise what is wrong with it."""
    if not token:
        return "missing"
    parts = token.split(".")
    if len(parts) != 3 or not re.fullmatch(r"[0-9]{1,12}", parts[0]) or not re.fullmatch(r"[0-9a-f]{64}", parts[2]):
        return "malformed"
    issued = int(parts[0])
    if parts[1] != form or not hmac.compare_digest(parts[2], _signature(secret, form, issued)):
        return "forged"
    if issued > now + 60:
        return "future"
    if now - issued > max_age_seconds:
        return "expired"
    return None


def form_secret(state_folder: Path) -> bytes:
    """``SITE_BUILDER_FORM_SECRET``, else this machine's secret in ``<state>/form-secret``
    (made on first use: 32 random bytes, hex, mode 0600)."""
    value = os.environ.get(SECRET_ENV, "")
    if value:
        return value.encode("utf-8")
    path = state_folder / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    state_folder.mkdir(parents=True, exist_ok=True)
    made = secrets.token_hex(32).encode()
    # Written whole under a temporary name, then linked in place: a second process sees
    # either no file or the whole secret, and the first link wins.
    temporary = state_folder / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(made)
    try:
        os.link(temporary, path)
    except FileExistsError:
        made = path.read_bytes().strip()
    finally:
        temporary.unlink()
    return made


# --- the site's pages around the forms -------------------------------------------------
# The build writes them (site/forms.py) while ``server_url`` is set; the server redirects
# (303) to the thank-you pages after a POST. No content file may take their URLs (kinds.py).

SIGNUP_ANCHOR = "newsletter-signup"  # the sign-up form on the channels page: /subscribe/#newsletter-signup
INTAKE_PAGE = "/consultation/form/"  # 相談・提案フォーム
NEWSLETTER_THANKS = "/newsletter/thanks/"  # after a sign-up: check your inbox
NEWSLETTER_CONFIRMED = "/newsletter/confirmed/"  # after the link in the confirmation mail
NEWSLETTER_UNSUBSCRIBED = "/newsletter/unsubscribed/"  # after an unsubscription
INTAKE_THANKS = "/consultation/thanks/"  # after a consultation was taken
SERVER_PAGES = (INTAKE_PAGE, NEWSLETTER_THANKS, NEWSLETTER_CONFIRMED, NEWSLETTER_UNSUBSCRIBED, INTAKE_THANKS)
PRIVACY_PAGE = "/privacy/"  # 個人情報の取り扱い: always written; what each form collects while server_url is set
CONFIRM_DAYS = 7  # a sign-up's confirmation link works this long (the thank-you page says so)
REFRESH_DAYS = 7  # while server_url is set the site is rebuilt at least this often (next-change), so tokens stay fresh


def project_form_secret(config: Config) -> bytes:
    """The secret of ``config``'s project (:func:`form_secret` of its state folder): the
    build signs the forms with it and the server checks them with it, so both read it here."""
    return form_secret(state_path(config.root, config.settings.state_dir))
