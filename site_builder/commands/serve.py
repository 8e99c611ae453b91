"""``site-builder serve``: a live preview that rebuilds on save and reloads the page.

It watches the content, theme and configuration, rebuilds into a preview folder
(a failed build keeps the last good preview and prints the errors), and the
pages it serves carry a small script that reloads them after each new build.
Until a first build has succeeded, every page is a short notice in Japanese that
says what went wrong (never an empty folder listing); it reloads by itself once a
saved file lets the build succeed.
"""

from __future__ import annotations

import functools
import html
import http.server
import io
import os
import sys
import threading
import time
from pathlib import Path

from site_builder import pipeline
from site_builder.commands.options import add_now
from site_builder.content import dates
from site_builder.content.i18n import ERROR, Bilingual, bi, describe, japanese, text
from site_builder.content.kinds import SOURCE_FOLDERS
from site_builder.content.reporter import ContentErrors, print_errors
from site_builder.context import Progress

WATCHED = (*SOURCE_FOLDERS, "theme", "mkdocs.yml")
REBUILDING = bi("change detected, rebuilding…", "変更がありました。作り直しています…")
PREVIEW_KEPT = bi("the preview keeps the last good build", "プレビューは前回の正しい状態のままです。")
NO_PREVIEW_YET = bi("there is no preview yet", "プレビューはまだありません。")
# Said once at startup when there is no good build to show, after the errors themselves.
CONTENT_ADVICE = bi(
    "fix the errors above; the preview starts once the content is valid",
    "上の誤りを直して保存してください。内容が正しくなると、プレビューが始まります。",
)
BUILD_ADVICE = bi(
    "the build failed, and not because of the content (see the error above); "
    "the preview page says so until a build succeeds, and each saved file builds again",
    "内容の誤りではない理由でサイトを作れませんでした（上のエラーを見てください）。"
    "作れるまでは、プレビューのページにこのことを表示します。ファイルを保存するたびに、もう一度作ります。",
)
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
        self.problem: tuple[bool, list[str]] | None = None  # (a content error?, lines in Japanese) of the last build

    def ready(self) -> bool:
        """Whether a good build (of this run or an earlier one) is there to serve."""
        return (self.site / "index.html").is_file()

    def rebuild(self) -> bool:
        now = dates.resolve_now(self.now_option)
        try:
            pipeline.build_site(self.root, self.site, now, Progress())
        except ContentErrors as exc:
            buffer = io.StringIO()
            print_errors(exc.reporter, PREVIEW_KEPT if self.ready() else NO_PREVIEW_YET, buffer)
            print(buffer.getvalue(), end="", file=sys.stderr, flush=True)
            lines = [f"{e.path}:{e.line}: {e.field}: {japanese(e.message)}" for e in sorted(set(exc.reporter.errors))]
            return self.failed(True, lines)
        except Exception as exc:  # the preview stays up on any failure
            print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr, flush=True)
            worded = len(exc.args) == 1 and isinstance(exc.args[0], Bilingual)  # written for people: no class name
            return self.failed(False, [japanese(exc.args[0]) if worded else f"{type(exc).__name__}: {exc}"])
        with self.lock:
            self.problem = None
            self.version += 1
        return True

    def failed(self, content: bool, lines: list[str]) -> bool:
        with self.lock:
            self.problem = (content, lines)
            if not self.ready():
                self.version += 1  # the notice page reloads to show the new errors
        return False

    def notice(self) -> bytes:
        """The page served while no good build exists: what went wrong, in Japanese."""
        with self.lock:
            content, lines = self.problem or (False, ["まだサイトを作っています。"])
        if content:
            lead = "内容に誤りがあるため、サイトを作れませんでした。次の誤りを直して、ファイルを保存してください。"
        else:
            lead = (
                "内容の誤りではない理由で、サイトを作れませんでした。次のメッセージに従って直してください。"
                "直したら、ファイルを保存するか、make preview をもう一度実行してください。"
            )
        items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
        return (
            '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>プレビューを表示できません</title></head>"
            '<body style="font-family: sans-serif; max-width: 48rem; margin: 2rem auto; '
            'padding: 0 1rem; line-height: 1.7">'
            f"<h1>プレビューを表示できません</h1><p>{lead}</p><ul>{items}</ul>"
            "<p>サイトを作れたら、このページは自動で切り替わります。</p></body></html>"
        ).encode() + RELOAD_SCRIPT

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
        if not self.preview.ready():  # never an empty folder listing: say why there is no site
            return self._send(self.preview.notice(), "text/html; charset=utf-8")
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
    if not preview.rebuild() and not preview.ready():
        print(text(CONTENT_ADVICE if preview.problem and preview.problem[0] else BUILD_ADVICE), file=sys.stderr)
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
