"""``site-builder serve``: a live preview that rebuilds on save and reloads the page.

It watches the content, theme and configuration, rebuilds into a preview folder
(a failed build keeps the last good preview and prints the errors), and the
pages it serves carry a small script that reloads them after each new build.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
import time
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.options import add_now
from site_builder.content import dates
from site_builder.content.i18n import bi
from site_builder.content.kinds import SOURCE_FOLDERS
from site_builder.content.reporter import ContentErrors, print_errors
from site_builder.context import Progress

WATCHED = (*SOURCE_FOLDERS, "theme", "mkdocs.yml")
PREVIEW_KEPT = bi("the preview keeps the last good build", "プレビューは前回の正しい状態のままです。")
RELOAD_SCRIPT = (
    b"<script>(function(){var v=null;setInterval(function(){fetch('/__build__',{cache:'no-store'})"
    b".then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t})"
    b".catch(function(){})},700)})();</script>"
)


def register(commands) -> None:
    serve = commands.add_parser("serve", help="live preview: rebuilds when a file changes and reloads the browser")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add_now(serve)
    serve.set_defaults(run=lambda args: serve_preview(args.root, args.host, args.port, args.now))


def snapshot(root: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for name in WATCHED:
        path = root / name
        if path.is_file():
            found[str(path)] = path.stat().st_mtime_ns
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    found[str(child)] = child.stat().st_mtime_ns
    return found


class Preview:
    def __init__(self, root: Path, now_option: str | None):
        self.root = root
        self.now_option = now_option
        self.site = root / ".cache" / "site-builder" / "preview"
        self.version = 0
        self.lock = threading.Lock()

    def rebuild(self) -> bool:
        now = dates.resolve_now(self.now_option)
        try:
            pipeline.build_site(self.root, self.site, now, Progress())
        except ContentErrors as exc:
            print_errors(exc.reporter, PREVIEW_KEPT)
            return False
        except Exception as exc:  # the preview stays up on any failure
            print(f"error: {exc}", file=sys.stderr)
            return False
        with self.lock:
            self.version += 1
        return True

    def watch(self, interval: float = 0.5) -> None:
        seen = snapshot(self.root)
        while True:
            time.sleep(interval)
            current = snapshot(self.root)
            if current != seen:
                seen = current
                print("change detected, rebuilding…", file=sys.stderr, flush=True)
                self.rebuild()


class Handler(http.server.SimpleHTTPRequestHandler):
    preview: Preview

    def log_message(self, format, *args):  # quiet: the build log is what matters
        pass

    def do_GET(self):
        if self.path == "/__build__":
            return self._send(str(self.preview.version).encode(), "text/plain")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            body = path.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)
            return self._send(body, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def serve_preview(root: Path, host: str, port: int, now_option: str | None) -> int:
    preview = Preview(root.resolve(), now_option)
    if not preview.rebuild() and not preview.site.is_dir():
        print("fix the errors above; the preview starts once the content is valid", file=sys.stderr)
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    os.makedirs(preview.site, exist_ok=True)
    server = http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(preview.site)))
    threading.Thread(target=preview.watch, daemon=True).start()
    print(f"preview on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
