"""The centre's server (site_builder/server/) running for real in a test: a scratch project
whose mkdocs.yml names the server, the app under uvicorn on 127.0.0.1 in a thread, the
local SMTP server of tests/test_mailer.py, and SQLite or a PostgreSQL database of its own."""

from __future__ import annotations

import contextlib
import html
import itertools
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvicorn
from aiosmtpd.controller import Controller

from site_builder.content import forms
from site_builder.content.reporter import Reporter
from site_builder.content.settings import read_config
from site_builder.server import store
from site_builder.server.run import uvicorn_config
from site_builder.server.service import Service, load_service
from tests.conftest import new_project
from tests.postgres import new_database
from tests.test_mailer import SECRET, Sink, free_port, start_server

SITE_URL = "https://www.yokohama-kyodo.example/"  # the repository's mkdocs.yml
SITE_ORIGIN = "https://www.yokohama-kyodo.example"
STAFF = "staff@yokohama-kyodo.example"
_databases = itertools.count(1)
CONFIRM_FORM = re.compile(r'<form method="post" action="([^"]+)">\n<input type="hidden" name="token" value="([^"]+)">')


def server_settings(port: int, **settings: object) -> list[str]:
    """``server_*`` lines for mkdocs.yml: the server at ``port``, 127.0.0.1 a trusted proxy (so
    that each test can speak for its own client address through X-Forwarded-For)."""
    values = {
        "server_url": f"http://127.0.0.1:{port}",
        "server_staff_address": STAFF,
        "server_trusted_proxies": "[127.0.0.1]",
        **settings,
    }
    return [f"{key}: {value}" for key, value in values.items() if value is not None]


def server_project(
    root: Path, port: int, files: dict | None = None, site_url: str | None = None, **settings: object
) -> Path:
    """A scratch project whose editions' unsubscribe links lead to its server (no
    ``newsletter_unsubscribe_url``: the default is then ``<server_url>/newsletter/unsubscribe``),
    with this test's ``server_*`` settings instead of the repository's."""
    new_project(root, files)
    config = root / "mkdocs.yml"
    text = re.sub(r"(?m)^ +(newsletter_unsubscribe_url|server_\w+):.*\n", "", config.read_text(encoding="utf-8"))
    if site_url:
        text = re.sub(r"(?m)^site_url: .*$", f"site_url: {site_url}", text)
    added = "".join(f"    {line}\n" for line in server_settings(port, **settings))
    config.write_text(text.replace("  site_builder:\n", "  site_builder:\n" + added, 1), encoding="utf-8")
    return root


def database_url(backend: str, root: Path, cluster: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{root / 'state' / 'server.sqlite3'}"
    return new_database(cluster, f"server_{next(_databases)}")


def environment(smtp_port: int, database: str) -> dict[str, str]:
    return {
        "SITE_BUILDER_DATABASE_URL": database,
        "SITE_BUILDER_NEWSLETTER_SECRET": SECRET,
        "SITE_BUILDER_SMTP_HOST": "127.0.0.1",
        "SITE_BUILDER_SMTP_PORT": str(smtp_port),
    }


@dataclass
class Running:
    """One running server and what a test reads back: the database, the mails."""

    root: Path
    url: str
    service: Service
    sink: Sink
    relay: Controller
    environ: dict[str, str]
    client: httpx.Client = field(default_factory=lambda: httpx.Client(trust_env=False, timeout=10))
    relay_stopped: bool = False

    def token(self, form: str, issued: int | None = None) -> str:
        secret = forms.form_secret(self.root / "state")
        return forms.form_token(secret, form, int(time.time()) if issued is None else issued)

    def post(
        self, path: str, data: object, client: str = "198.51.100.1", origin: str | None = SITE_ORIGIN, **headers: str
    ) -> httpx.Response:
        sent = {"X-Forwarded-For": client, **headers}
        if origin is not None:
            sent["Origin"] = origin
        if isinstance(data, list):  # pairs, in order, a name perhaps more than once
            data = urlencode(data).encode("ascii")
        if isinstance(data, bytes):
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            return self.client.post(self.url + path, content=data, headers=sent)
        return self.client.post(self.url + path, data=data, headers=sent)

    def get(self, path_or_url: str, **params: str) -> httpx.Response:
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        return self.client.get(url, params=params or None)

    def confirm(self, link: str) -> httpx.Response:
        """Open the confirmation mail's ``link`` and press the page's button (a POST of its
        form, as a browser sends it); the answer to the POST. A link with nothing to
        confirm answers the GET itself, which is returned."""
        shown = self.get(link)
        found = CONFIRM_FORM.search(shown.text)
        if shown.status_code != 200 or found is None:
            return shown
        action, token = (html.unescape(part) for part in found.groups())
        return self.client.post(action, data={"token": token}, headers={"Origin": self.url})

    def stop_relay(self) -> None:
        """The SMTP server goes away (the server connects to it for each mail)."""
        self.relay.stop()
        self.relay_stopped = True

    def send_names(self) -> dict[str, str]:
        """The confirmed subscribers a send would reach, with their names."""
        return dict(store.confirmed_subscribers(self.service.engine, self.service.newsletter_secret))

    def rows(self) -> dict[str, int]:
        return store.count_rows(self.service.engine)


@contextlib.contextmanager
def serve_app(root: Path, port: int, environ: dict[str, str]) -> Iterator[Service]:
    """``root``'s server under uvicorn on 127.0.0.1:``port`` in a thread, until the block ends."""
    reporter = Reporter(root)
    config = read_config(root, reporter)
    assert reporter.ok, reporter
    service = load_service(root, config, environ)
    server = uvicorn.Server(uvicorn_config(service, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield service
    finally:
        server.should_exit = True
        thread.join(10)
        service.engine.dispose()


@contextlib.contextmanager
def running(
    root: Path,
    backend: str,
    cluster: str | None,
    files: dict | None = None,
    site_url: str | None = None,
    **settings: object,
) -> Iterator[Running]:
    """A scratch project at ``root`` with its server running, and an SMTP server for its mail."""
    sink = Sink()
    smtp = start_server(sink)
    port = free_port()
    server_project(root, port, files, site_url, **settings)
    environ = environment(smtp.port, database_url(backend, root, cluster))
    served = None
    try:
        with serve_app(root, port, environ) as service:
            served = Running(root, f"http://127.0.0.1:{port}", service, sink, smtp, environ)
            yield served
    finally:
        if served is None or not served.relay_stopped:
            smtp.stop()
