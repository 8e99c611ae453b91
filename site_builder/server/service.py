"""What the running server needs, read once at start: the site's and the server's URLs,
the ``server_*`` settings, the database, the secrets and the mail relay."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from site_builder.content.forms import project_form_secret
from site_builder.content.i18n import bi
from site_builder.content.settings import LOOPBACK_ORIGIN, Config, ServerSettings
from site_builder.newsletter.mail import sender_of
from site_builder.newsletter.mailer import MailerError, SmtpSettings
from site_builder.server import database, store
from site_builder.server.pages import origin

NEWSLETTER_SECRET_ENV = "SITE_BUILDER_NEWSLETTER_SECRET"
LOOPBACK = re.compile(LOOPBACK_ORIGIN)


class ServerError(Exception):
    """The server cannot start as configured; the message says what to set."""


@dataclass(frozen=True)
class Service:
    site_url: str  # ends with "/"
    server_url: str  # without a trailing "/"
    site_name: str
    sender: str
    settings: ServerSettings
    engine: Engine
    form_secret: bytes
    newsletter_secret: bytes
    smtp: SmtpSettings
    center_phone: str = ""  # center_phone, for the pages that send readers to the telephone
    clock: Callable[[], float] = time.time

    def now(self) -> int:
        return int(self.clock())

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        return (origin(self.site_url), *self.settings.allowed_origins)

    @property
    def on_this_machine(self) -> bool:
        """The server's own URL is on this machine: a preview (SITE_BUILDER_SERVER_URL of make preview)."""
        return bool(LOOPBACK.fullmatch(origin(self.server_url)))

    def allows(self, sent: str) -> bool:
        """Whether a form may come from the origin ``sent``: the site's, an allowed one, or,
        while the server is :attr:`on_this_machine`, a page on this machine."""
        if sent.lower() in {value.lower() for value in self.allowed_origins}:
            return True
        return self.on_this_machine and bool(LOOPBACK.fullmatch(sent.lower()))

    def for_origin(self, sent: str) -> Service:
        """This service, its pages after a form from ``sent`` (an origin it :meth:`allows`): a
        preview on this machine gets its own thank-you pages, every other origin the site's."""
        local = sent.lower()
        if self.on_this_machine and LOOPBACK.fullmatch(local) and local != origin(self.site_url).lower():
            return replace(self, site_url=sent + "/")
        return self


def newsletter_secret(environ: Mapping[str, str]) -> bytes:
    """``SITE_BUILDER_NEWSLETTER_SECRET``: the key of the unsubscribe links and of the suppression list."""
    secret = environ.get(NEWSLETTER_SECRET_ENV, "")
    if len(secret) < 16:
        raise ServerError(
            bi(
                f"set {NEWSLETTER_SECRET_ENV} (16 characters or more, the same as for `newsletter send`)",
                f"{NEWSLETTER_SECRET_ENV} を設定してください（16文字以上。newsletter send と同じ値）。"
                "配信停止のリンクを確かめるのに使います。",
            )
        )
    return secret.encode("utf-8")


def open_store(root: Path, config: Config, environ: Mapping[str, str], secret: bytes) -> Engine:
    """The database of ``config`` (migrated), checked against the newsletter secret."""
    engine = database.open_database(database.database_url(root, config.settings.state_dir, environ))
    store.check_key(engine, NEWSLETTER_SECRET_ENV, secret)
    return engine


def load_service(root: Path, config: Config, environ: Mapping[str, str] = os.environ) -> Service:
    """Everything the server needs, or a :class:`ServerError` naming what is missing."""
    server_url = config.settings.server.url
    if not server_url:
        raise ServerError(
            bi(
                "mkdocs.yml: set extra.site_builder.server_url, the address readers' browsers reach the server at",
                "mkdocs.yml の extra.site_builder に server_url（読者のブラウザがサーバーに届くアドレス）を"
                "書いてください。例: server_url: https://forms.example.org（手元なら http://127.0.0.1:8030）",
            )
        )
    secret = newsletter_secret(environ)
    try:
        smtp = SmtpSettings.from_env(environ)
    except MailerError as exc:
        raise ServerError(exc.args[0]) from None
    return Service(
        site_url=config.site_url,
        server_url=server_url,
        site_name=config.site_name,
        sender=sender_of(config),
        settings=config.settings.server,
        engine=open_store(root, config, environ, secret),
        form_secret=project_form_secret(config),
        newsletter_secret=secret,
        smtp=smtp,
        center_phone=config.settings.center.phone,
    )
