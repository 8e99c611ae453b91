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
from site_builder.content.i18n import bi, describe, text
from site_builder.content.kinds import SOURCE_FOLDERS
from site_builder.content.reporter import ContentErrors, print_errors
from site_builder.context import Progress

WATCHED = (*SOURCE_FOLDERS, "theme", "mkdocs.yml")
ERROR = bi("error", "エラー")
REBUILDING = bi("change detected, rebuilding…", "変更がありました。作り直しています…")
FIX_FIRST = bi(
    "fix the errors above; the preview starts once the content is valid",
    "上の誤りを直してください。原稿が正しくなるとプレビューが始まります。",
)
PREVIEW_KEPT = bi("the preview keeps the last good build", "プレビューは前回の正しい状態のままです。")
RELOAD_SCRIPT = (
    b"<script>(function(){var v=null;setInterval(function(){fetch('/__build__',{cache:'no-store'})"
    b".then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t})"
    b".catch(function(){})},700)})();</script>"
)


def register(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help=bi(
            "live preview: rebuilds when a file changes and reloads the browser",
            "ライブプレビュー（live preview）: 原稿を保存すると作り直して、ブラウザを再読み込みします",
        ),
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help=bi(
            "address to listen on (default: 127.0.0.1, this computer only)",
            "プレビューを開くアドレス（host）。既定は 127.0.0.1 で、このパソコンからだけ見られます",
        ),
    )
    serve.add_argument(
        "--port",
        type=int,
        default=8000,
        help=bi(
            "port number (default: 8000: http://127.0.0.1:8000/)",
            "ポート番号（port）。既定は 8000 で、http://127.0.0.1:8000/ で開けます",
        ),
    )
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
            print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr)
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
                print(text(REBUILDING), file=sys.stderr, flush=True)
                self.rebuild()


class Handler(http.server.SimpleHTTPRequestHandler):
    """The preview's pages with the reload script; an unknown path gets the site's own
    404 page (``404.html``, written by the engine) with status 404, as on the real host."""

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
            return self._send(with_reload(path.read_bytes()), "text/html; charset=utf-8")
        return super().do_GET()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        self._send(with_reload(page.read_bytes()), "text/html; charset=utf-8", 404, self.command != "HEAD")

    def _send(self, body: bytes, kind: str, status: int = 200, with_body: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)


def with_reload(page: bytes) -> bytes:
    return page.replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)


def make_server(preview: Preview, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """The preview's web server (not started); port 0 picks a free port."""
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    os.makedirs(preview.site, exist_ok=True)
    return http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(preview.site)))


def serve_preview(root: Path, host: str, port: int, now_option: str | None) -> int:
    preview = Preview(root.resolve(), now_option)
    if not preview.rebuild() and not preview.site.is_dir():
        print(text(FIX_FIRST), file=sys.stderr)
    server = make_server(preview, host, port)
    threading.Thread(target=preview.watch, daemon=True).start()
    address = f"http://{host}:{server.server_address[1]}/"
    print(
        text(bi(f"preview on {address} (Ctrl+C to stop)", f"プレビュー: {address} （止めるときは Ctrl+C）")),
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
