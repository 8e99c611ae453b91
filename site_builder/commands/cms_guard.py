"""The front door of the local web editor: ``http://localhost:8081/api/v1`` on 127.0.0.1.

Decap CMS with ``local_backend: true`` sends every read and write there. decap-server
itself (see :mod:`cms_local`) answers any page whose address is a localhost one and
may write any file of the project, ``.git/`` included. This door lets through only:

* requests addressed to ``localhost:8081`` or ``127.0.0.1:8081`` (the ``Host``
  header), so that a web page whose name was made to point at 127.0.0.1 (DNS
  rebinding) cannot use it;
* from the preview's own pages (the ``Origin`` header), so that no other site or
  local server can;
* bodies of at most :data:`MAX_BODY` bytes, whose every path lies inside the
  content folders (``cases/``, ``events/``, ``content/``), resolved with their
  symbolic links, and (mode ``git``) whose branch is the one being edited.
"""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from site_builder.content.i18n import bi, text
from site_builder.content.kinds import SOURCE_FOLDERS

API = "/api/v1"
MAX_BODY = 50 * 1024 * 1024  # decap-server's own limit; an image is sent base64-encoded inside the JSON
PATH_KEYS = ("path", "newPath", "folder", "mediaFolder")
MAX_DEPTH = 8  # the requests' JSON is shallow: a deeper one is refused


class Refused(Exception):
    """A request the door does not pass on; the message is the reason."""


def paths_in(value, depth: int = 0) -> Iterator[object]:
    """Every value under a path-naming key (``paths``: each item) anywhere in ``value``."""
    if depth > MAX_DEPTH:
        raise Refused("the request is nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PATH_KEYS:
                yield item
            elif key == "paths" and isinstance(item, list):
                yield from item
            else:
                yield from paths_in(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from paths_in(item, depth + 1)


def check_path(root: Path, value: object) -> None:
    """``value`` names a file or folder inside one of the content folders, links resolved."""
    if not isinstance(value, str) or not value or "\0" in value or "\\" in value:
        raise Refused(f"not a path: {value!r}")
    relative = PurePosixPath(value)
    if relative.is_absolute() or ".." in relative.parts or relative.parts[0] not in SOURCE_FOLDERS:
        raise Refused(f"outside the content folders: {value}")
    target = (root / relative).resolve()
    if not any(target.is_relative_to((root / folder).resolve()) for folder in SOURCE_FOLDERS):
        raise Refused(f"leads outside the content folders: {value}")


def check_request(root: Path, branch: str | None, body: bytes) -> list[str]:
    """The paths named in ``body``; :class:`Refused` unless it is a request the editor may make."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused("not JSON") from None
    if not isinstance(request, dict) or not isinstance(request.get("action"), str):
        raise Refused("no action")
    params = request.get("params")
    for where in (request, params):
        if branch is not None and isinstance(where, dict) and where.get("branch", branch) != branch:
            raise Refused(f"only the branch {branch} is edited here")
    paths = list(paths_in(params))
    for value in paths:
        check_path(root, value)
    return paths


class Guard(http.server.ThreadingHTTPServer):
    """Listens on 127.0.0.1:``port`` and forwards what it accepts to ``target_port``."""

    daemon_threads = True

    def __init__(self, root: Path, port: int, target_port: int, origins: set[str], branch: str | None):
        self.root, self.target_port, self.origins, self.branch = root, target_port, origins, branch
        super().__init__(("127.0.0.1", port), GuardHandler)
        port = self.server_address[1]  # the one chosen when port is 0
        self.hosts = {f"localhost:{port}", f"127.0.0.1:{port}"}

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()


class GuardHandler(http.server.BaseHTTPRequestHandler):
    server: Guard

    def log_message(self, format, *args):
        pass

    def allowed_origin(self) -> str | None:
        if self.headers.get("Host") not in self.server.hosts or self.path != API:
            return None
        origin = self.headers.get("Origin")
        return origin if origin in self.server.origins else None

    def do_OPTIONS(self):  # the browser's preflight before each POST
        origin = self.allowed_origin()
        if origin is None:
            return self.refuse(403, "this address serves the site's preview only")
        self.send_response(204)
        self.cors(origin)
        self.send_header("Access-Control-Allow-Methods", "POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        origin = self.allowed_origin()
        if origin is None:
            return self.refuse(403, "this address serves the site's preview only")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self.refuse(411, "Content-Length is required")
        if not 0 <= length <= MAX_BODY:
            return self.refuse(413, "the request is too large")
        body = self.rfile.read(length)
        try:
            check_request(self.server.root, self.server.branch, body)
        except Refused as exc:
            return self.refuse(403, str(exc), origin)
        status, kind, answer = self.forward(body)
        self.send_response(status)
        self.cors(origin)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def forward(self, body: bytes) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.target_port, timeout=120)
        try:
            connection.request("POST", API, body, {"Content-Type": "application/json; charset=utf-8"})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", "application/json"), response.read()
        except OSError:
            return 502, "application/json", json.dumps({"error": text(DOWN)}).encode()
        finally:
            connection.close()

    def cors(self, origin: str) -> None:
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")

    def refuse(self, status: int, reason: str, origin: str | None = None) -> None:
        answer = json.dumps({"error": reason}).encode()
        self.send_response(status)
        if origin:
            self.cors(origin)  # the editor shows the reason
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


DOWN = bi("decap-server does not answer", "decap-server が応答しません")
