"""Local HTTP servers (127.0.0.1) that speak the subset of each network's API the
SNS adapters use, plus a server for the public site's pages.

They are real servers, written from the networks' API documentation, not mocks
of our functions: the client under test talks HTTP to them. Each keeps what it
was sent (``posts``, ``requests``) for the tests to check, and takes injected
faults for the next create request:

* ``Fault(status=429, headers={...})``: answer that, post nothing;
* ``Fault(status=500, create=True)``: make the post, then answer 500;
* ``Fault(delay=2.0)``: make the post, answer only after ``delay`` seconds;
* ``Fault(hold=True, create=...)``: signal ``received``, wait until ``release``
  is set (the test kills the client meanwhile), then make the post or not.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import regex
from twitter_text import parse_tweet

URL = re.compile(r"https?://\S+")


@dataclass
class Fault:
    status: int | None = None
    headers: dict = field(default_factory=dict)
    create: bool = False
    delay: float = 0.0
    hold: bool = False
    sticky: bool = False  # stays for every later request too


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body or b"{}")

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


class Reply(Exception):
    def __init__(self, status: int, data: object = None, headers: dict | None = None):
        self.status, self.data, self.headers = status, data, headers or {}


def handler_for(fake: FakeServer) -> type:
    """The request handler of one fake server."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command,
                parts.path,
                {k: v[0] for k, v in parse_qs(parts.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            with fake.lock:
                fake.requests.append(request)
            try:
                status, data, headers = 200, fake.route(request), {}
            except Reply as reply:
                status, data, headers = reply.status, reply.data, reply.headers
            body = b"" if data is None else (data if isinstance(data, bytes) else json.dumps(data).encode())
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html" if isinstance(data, bytes) else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_HEAD = _serve

    return Handler


class FakeServer:
    """A threaded HTTP server; subclasses answer ``route(request)``."""

    def __init__(self):
        self.requests: list[Request] = []
        self.posts: list[dict] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.received = threading.Event()
        self.release = threading.Event()
        self.settled = threading.Event()  # a held request has been dealt with
        self.ids = itertools.count(1001)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def create(self, make) -> object:
        """Run a create request through the next fault; ``make()`` records the post."""
        with self.lock:
            fault = self.faults[0] if self.faults else None
            if fault is not None and not fault.sticky:
                self.faults.pop(0)
        if fault is None:
            return make()
        if fault.hold:
            self.received.set()
            self.release.wait(30)
            if fault.create:
                make()
            self.settled.set()
            raise Reply(503, {"error": "held"})
        if fault.status is not None:
            if fault.create:
                make()
            raise Reply(fault.status, {"error": "injected"}, fault.headers)
        result = make()
        time.sleep(fault.delay)
        return result

    def bearer(self, request: Request, token: str) -> None:
        given = request.headers.get("authorization", "")
        if given != f"Bearer {token}":
            # Like some real servers, echo what was sent: the client must not print it.
            raise Reply(401, {"error": "unauthorized", "detail": f"bad credentials {given!r}"})

    def record(self, post: dict) -> dict:
        with self.lock:
            post = {"id": str(next(self.ids)), "created_at": now_utc(), **post}
            self.posts.append(post)
        return post

    def route(self, request: Request):
        raise NotImplementedError


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SiteServer(FakeServer):
    """The public site: 200 for the paths in ``live``, 404 otherwise."""

    def __init__(self, live: set[str] | None = None):
        super().__init__()
        self.live = set(live or ())

    def route(self, request: Request):
        if request.path in self.live:
            return b"<!doctype html><title>ok</title>"
        raise Reply(404, b"not found")


class XServer(FakeServer):
    """X API v2: POST /2/tweets, GET /2/users/me, GET /2/users/:id/tweets."""

    user = "4242"

    def __init__(self, token: str):
        super().__init__()
        self.token = token
        self.timeline_forbidden = False  # like X's Free tier, which cannot read timelines

    def route(self, request: Request):
        self.bearer(request, self.token)
        if request.method == "POST" and request.path == "/2/tweets":
            text = request.json()["text"]
            if parse_tweet(text).weightedLength > 280:
                raise Reply(400, {"detail": "text too long"})
            post = self.create(lambda: self.record({"text": text}))
            raise Reply(201, {"data": {"id": post["id"], "text": self.wrapped(post["text"])}})
        if request.path == "/2/users/me":
            return {"data": {"id": self.user, "username": "yokohama_kyodo"}}
        if request.path == f"/2/users/{self.user}/tweets":
            if self.timeline_forbidden:
                raise Reply(403, {"title": "Client Forbidden", "reason": "client-not-enrolled"})
            data = [
                {
                    "id": p["id"],
                    "text": self.wrapped(p["text"]),
                    "created_at": p["created_at"].isoformat().replace("+00:00", "Z"),
                    "entities": {"urls": [{"expanded_url": u} for u in URL.findall(p["text"])]},
                }
                for p in reversed(self.posts)
            ]
            return {"data": data, "meta": {"result_count": len(data)}}
        raise Reply(404, {"title": "Not Found"})

    @staticmethod
    def wrapped(text: str) -> str:
        """X shows every link as t.co and escapes &, < and >."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return URL.sub("https://t.co/AbCdEf1234", escaped)


class FacebookServer(FakeServer):
    """Graph API: POST /{page-id}/feed (message, link), GET /{page-id}/feed."""

    def __init__(self, token: str, page: str):
        super().__init__()
        self.token, self.page = token, page

    def route(self, request: Request):
        self.bearer(request, self.token)
        if request.path != f"/{self.page}/feed":
            raise Reply(404, {"error": {"message": "Unknown path"}})
        if request.method == "POST":
            form = request.form()
            post = self.create(lambda: self.record({"message": form.get("message", ""), "link": form.get("link")}))
            return {"id": f"{self.page}_{post['id']}"}
        data = [
            {
                "id": f"{self.page}_{p['id']}",
                "message": p["message"],
                "link": p["link"],
                "created_time": p["created_at"].strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
            for p in reversed(self.posts)
        ]
        return {"data": data}


class MastodonServer(FakeServer):
    """POST /api/v1/statuses (with Idempotency-Key), verify_credentials, account statuses."""

    account = "7"

    def __init__(self, token: str, limit: int = 500):
        super().__init__()
        self.token, self.limit = token, limit
        self.keys: dict[str, dict] = {}

    def route(self, request: Request):
        self.bearer(request, self.token)
        if request.method == "POST" and request.path == "/api/v1/statuses":
            text, key = request.json()["status"], request.headers.get("idempotency-key")
            if len(regex.findall(r"\X", URL.sub("x" * 23, text))) > self.limit:
                raise Reply(422, {"error": "Validation failed: Text character limit of 500 exceeded"})
            with self.lock:
                if key and key in self.keys:
                    return self.status(self.keys[key])
            post = self.create(lambda: self.remember(key, self.record({"text": text, "key": key})))
            return self.status(post)
        if request.path == "/api/v1/accounts/verify_credentials":
            return {"id": self.account, "username": "yokohama_kyodo"}
        if request.path == f"/api/v1/accounts/{self.account}/statuses":
            return [self.status(p) for p in reversed(self.posts)]
        raise Reply(404, {"error": "Record not found"})

    def remember(self, key: str | None, post: dict) -> dict:
        if key:
            with self.lock:
                self.keys[key] = post
        return post

    def status(self, post: dict) -> dict:
        return {
            "id": post["id"],
            "url": f"{self.url}/@yokohama_kyodo/{post['id']}",
            "content": self.html(post["text"]),
            "created_at": post["created_at"].isoformat().replace("+00:00", "Z"),
        }

    @staticmethod
    def html(text: str) -> str:
        """Mastodon's rendering: paragraphs, <br />, links split into spans."""

        def link(match):
            url = match.group()
            scheme, rest = url.split("://", 1)
            return (
                f'<a href="{url}" rel="nofollow noopener"><span class="invisible">{scheme}://</span>'
                f'<span class="ellipsis">{rest[:30]}</span><span class="invisible">{rest[30:]}</span></a>'
            )

        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return "<p>" + URL.sub(link, escaped).replace("\n", "<br />") + "</p>"


class BlueskyServer(FakeServer):
    """createSession, repo.createRecord (client-chosen rkey) and repo.getRecord."""

    did = "did:plc:yokohamakyodo"

    def __init__(self, handle: str, password: str):
        super().__init__()
        self.handle, self.password = handle, password
        self.jwt = "jwt-" + password[::-1]
        self.records: dict[str, dict] = {}

    def route(self, request: Request):
        if request.path == "/xrpc/com.atproto.server.createSession":
            body = request.json()
            if (body.get("identifier"), body.get("password")) != (self.handle, self.password):
                raise Reply(401, {"error": "AuthenticationRequired"})
            return {"accessJwt": self.jwt, "refreshJwt": self.jwt + "-refresh", "did": self.did, "handle": self.handle}
        self.bearer(request, self.jwt)
        if request.path == "/xrpc/com.atproto.repo.createRecord":
            body = request.json()
            rkey, record = body["rkey"], body["record"]
            if len(regex.findall(r"\X", record["text"])) > 300 or len(record["text"].encode()) > 3000:
                raise Reply(400, {"error": "InvalidRecord", "message": "text too long"})
            if rkey in self.records:
                raise Reply(400, {"error": "InvalidRequest", "message": "record already exists"})
            post = self.create(lambda: self.store(rkey, record))
            return {"uri": post["uri"], "cid": "bafy" + post["id"]}
        if request.path == "/xrpc/com.atproto.repo.getRecord":
            post = self.records.get(request.query.get("rkey", ""))
            if post is None:
                raise Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
            return {"uri": post["uri"], "cid": "bafy" + post["id"], "value": post["record"]}
        raise Reply(404, {"error": "MethodNotImplemented"})

    def store(self, rkey: str, record: dict) -> dict:
        post = self.record(
            {
                "rkey": rkey,
                "record": record,
                "text": record["text"],
                "uri": f"at://{self.did}/app.bsky.feed.post/{rkey}",
            }
        )
        with self.lock:
            self.records[rkey] = post
        return post


# --- scratch projects for the SNS tests -------------------------------------

FAST = {"sns_timeout_seconds": 1.0, "sns_retries": 2, "sns_backoff_seconds": 0.05, "sns_max_wait_seconds": 5}


def sns_project(root, files: dict, **settings):
    """A scratch project (real theme and config) whose ``sns_*`` settings are replaced by ``settings``."""
    import yaml

    from tests.conftest import new_project

    new_project(root, files)
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    ours = config["extra"]["site_builder"]
    for key in [k for k in ours if k.startswith("sns_")]:
        del ours[key]
    ours.update(settings)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


# A news item both SNS test modules plan and post.
EVENT = """
---
title: みらいリンクフォーラム
date: 2026-11-01T10:00
summary: 協働の今と未来を学ぶフォーラムです。
start: 2026-11-20T14:00
end: 2026-11-20T17:00
venue: スペースA・B
---
本文です。
"""

NEWS = """
---
title: 協働ラボの利用案内を更新しました
date: 2026-11-01T10:00
summary: 協働ラボの利用案内を更新しました。予約の方法と、スペースA・Bの使い方をまとめています。
---
本文です。
"""
