"""``site-builder serve``: a live preview that rebuilds on save and reloads the page.

It watches the content, theme and configuration, rebuilds into a preview folder
(a failed build keeps the last good preview and prints the errors), and the
pages it serves carry a small script that reloads them after each new build.
Until a first build has succeeded, every page is a short notice in Japanese that
says what went wrong (never an empty folder listing); it reloads by itself once a
saved file lets the build succeed. With ``--cms`` the web editor ``/admin/`` runs
beside it and saves into the project (cms_local.py); SIGTERM stops both as Ctrl+C does.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import io
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from site_builder import pipeline
from site_builder.commands.cms_local import EDITOR_PATH, EDITOR_PORT, CmsError, LocalEditor, Page
from site_builder.commands.options import add_now
from site_builder.content import dates
from site_builder.content.i18n import ERROR, Bilingual, bi, describe, japanese, text
from site_builder.content.kinds import SOURCE_FOLDERS
from site_builder.content.reporter import ContentErrors, print_errors
from site_builder.context import Build, Progress, WebPage
from site_builder.site import search_index

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
    serve.add_argument(
        "--cms",
        action="store_true",
        help=bi(
            f"also run the web editor on http://127.0.0.1:PORT/admin/, saving into this folder "
            f"(decap-server, which needs node and npm ci; it uses port {EDITOR_PORT})",
            f"Web 編集（http://127.0.0.1:ポート番号/admin/）も動かし、このフォルダに保存します"
            f"（decap-server を使います。node と npm ci が必要です。ポート {EDITOR_PORT} を使います）",
        ),
    )
    serve.add_argument(
        "--cms-mode",
        choices=("auto", "git", "fs"),
        default="auto",
        help=bi(
            "with --cms: git (each save is a commit; drafts, review and publishing as on GitHub), "
            "fs (saving writes the file at once; no review, no commit), auto (default: git in a git repository)",
            "--cms のときの保存のしかた: git（保存ごとにコミット。下書き・レビュー・公開は GitHub と同じ）、"
            "fs（保存するとすぐにファイルを書く。レビューもコミットもなし）、auto（既定。git のリポジトリなら git）",
        ),
    )
    add_now(serve)
    serve.set_defaults(
        run=lambda args: serve_preview(
            args.root, args.host, args.port, args.now, cms_mode=args.cms_mode if args.cms else None
        )
    )


class Preview:
    def __init__(self, root: Path, now_option: str | None):
        self.root = root
        self.now_option = now_option
        self.site = root / ".cache" / "site-builder" / "preview"
        self.version = 0
        self.lock = threading.Lock()
        self.problem: tuple[bool, list[str]] | None = None  # (a content error?, lines in Japanese) of the last build
        self.build: Build | None = None  # the last good build, kept for the next (pipeline.update_site)
        self.pending: set[Path] = set()  # files saved since that build
        self.index = SearchCatchUp(self.site)

    def ready(self) -> bool:
        """Whether a good build (of this run or an earlier one) is there to serve."""
        return (self.site / "index.html").is_file()

    def rebuild(self, changed: set[Path] | None = None) -> bool:
        """Build after ``changed`` files were saved (``None``: everything, as at the start): page by
        page when the last good build allows it, else in full; the search index of an update
        page by page catches up in the background, after the browser has reloaded."""
        now = dates.resolve_now(self.now_option)
        self.pending |= changed or set()
        try:
            updated = self._update(now) if changed is not None else False
            if not updated:
                self.index.stop()  # a full build makes its own index
                self.build = None  # its memory back before the next build takes its own
                self.build = pipeline.build_site(self.root, self.site, now, Progress(), live=True)
            self.pending.clear()
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
        if updated and self.build is not None:
            self.index.catch_up(self.build.pages)
        return True

    def _update(self, now) -> bool:
        """Apply the pending changes page by page; ``False`` when a full build is needed."""
        if self.build is None:
            return False
        try:
            self.build = pipeline.update_site(
                self.build, self.root, self.site, now, frozenset(self.pending), Progress()
            )
        except pipeline.FullBuildNeeded:
            return False
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

    def watch(self, changes: Changes) -> None:
        while True:
            changed = changes.wait()
            print(text(REBUILDING), file=sys.stderr, flush=True)
            self.rebuild(changed)


class Changes:
    """The watched files saved, added or removed, as the system reports them (inotify, through
    watchdog; polling where there is none), gathered until a save has settled: an editor's
    save is often a temporary file renamed over the old one. Editors' temporary and hidden
    files are no change."""

    SETTLE = 0.05  # seconds without another event

    def __init__(self, root: Path):
        self.root = root
        self.paths: set[Path] = set()
        self.arrived = threading.Condition()
        self.observer = Observer()
        handler = _Handler(self)
        for name in WATCHED:
            path = root / name
            if path.is_dir():
                self.observer.schedule(handler, str(path), recursive=True)
        self.observer.schedule(handler, str(root), recursive=False)  # mkdocs.yml, and folders made later
        self.observer.daemon = True

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        if self.observer.is_alive():
            self.observer.stop()

    def saved_since(self, moment: float) -> None:
        """Count as changed every watched file written after ``moment`` (seconds since the epoch)."""
        for name in WATCHED:
            path = self.root / name
            for found in [path] if path.is_file() else (path.rglob("*") if path.is_dir() else []):
                try:
                    if found.is_file() and found.stat().st_mtime > moment:
                        self.add(str(found))
                except OSError:
                    continue

    def add(self, path: str) -> None:
        found = Path(path)
        if _temporary(found.name):
            return
        relative = found.relative_to(self.root) if found.is_relative_to(self.root) else None
        if relative is None or not relative.parts or relative.parts[0] not in WATCHED_TOPS:
            return
        with self.arrived:
            self.paths.add(found)
            self.arrived.notify_all()

    def wait(self) -> set[Path]:
        """The next changes, once no new one has come for :attr:`SETTLE` seconds."""
        with self.arrived:
            while not self.paths:
                self.arrived.wait()
            count = -1
            while count != len(self.paths):
                count = len(self.paths)
                self.arrived.wait(self.SETTLE)
            found, self.paths = self.paths, set()
        return found


WATCHED_TOPS = {name.split("/")[0] for name in WATCHED}


def _temporary(name: str) -> bool:
    """An editor's temporary or hidden file: Vim's (.x.swp, 4913, x~), Emacs's (#x#, .#x),
    JetBrains' (x___jb_tmp___), and any hidden file."""
    return (
        name.startswith(".")
        or name == "4913"
        or (name.startswith("#") and name.endswith("#"))
        or name.endswith(("~", ".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"))
    )


class _Handler(FileSystemEventHandler):
    def __init__(self, changes: Changes):
        self.changes = changes

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file inside changed: that file's own event says which
        self.changes.add(os.fsdecode(event.src_path))
        if getattr(event, "dest_path", ""):
            self.changes.add(os.fsdecode(event.dest_path))


class SearchCatchUp:
    """Brings the preview's search index up to date after updates page by page, off the page's
    way: the preview's pages, read in the build's order, are indexed into a folder beside the
    index, which then takes its place; files the site does not load are left out as a full
    build leaves them out. A request during a run makes one more run after it."""

    NEXT = "pagefind.next"

    def __init__(self, site: Path):
        self.site = site
        self.wanted = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.lock = threading.Lock()
        self.pages: list[tuple[str, str]] = []  # (URL, file under the site) in the build's order
        self.indexer: search_index.SearchIndexer | None = None
        self.generation = 0  # each stop() makes a run under way stale
        threading.Thread(target=self._run, daemon=True).start()

    def catch_up(self, pages: list[WebPage]) -> None:
        with self.lock:
            self.pages = [(page.url, page.output_path) for page in pages]
        self.idle.clear()
        self.wanted.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the index has caught up with every update (within ``timeout`` seconds)."""
        return self.idle.wait(timeout)

    def stop(self) -> None:
        """End a run under way (a full build is about to replace the whole preview)."""
        with self.lock:
            self.generation += 1
            if self.indexer is not None:
                self.indexer.abort()
        self.wanted.clear()
        self.idle.set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            with self.lock:
                generation = self.generation
            try:
                self._index(generation)
            except Exception as exc:  # the preview goes on; the next update tries again
                if generation == self.generation:
                    print(f"{text(ERROR)}: {describe(exc)}", file=sys.stderr, flush=True)
            if not self.wanted.is_set():
                self.idle.set()

    def _index(self, generation: int) -> None:
        fresh = self.site / self.NEXT
        shutil.rmtree(fresh, ignore_errors=True)
        with self.lock:
            if generation != self.generation:
                return
            pages, self.indexer = self.pages, search_index.SearchIndexer(self.site, self.NEXT)
        indexer = self.indexer
        try:
            for url, path in pages:
                indexer.add_page(url, (self.site / path).read_text(encoding="utf-8"))
            indexer.finish()
        except BaseException:
            indexer.abort()
            raise
        with self.lock:
            self.indexer = None
            if generation != self.generation:  # a full build replaced the preview meanwhile
                return
            current = self.site / search_index.BUNDLE
            kept = {path.name for path in current.iterdir()} if current.is_dir() else set()
            old = self.site / "pagefind.old"
            shutil.rmtree(old, ignore_errors=True)
            if current.is_dir():
                current.rename(old)
            fresh.rename(current)
            shutil.rmtree(old, ignore_errors=True)
            loaded = {
                Path(name).name for names in search_index.loaded_at_run_time(self.site).values() for name in names
            }
            for path in current.iterdir():
                if path.is_file() and path.name not in kept | loaded:
                    path.unlink()


class Handler(http.server.SimpleHTTPRequestHandler):
    """The preview's pages with the reload script; an unknown path gets the site's own
    404 page (``404.html``, written by the engine) with status 404, as on the real host."""

    preview: Preview
    pages: ClassVar[dict[str, Page]] = {}  # URL path: served from memory instead of the build (serve --cms: /admin/)

    def log_message(self, format, *args):  # quiet: the build log is what matters
        pass

    def do_GET(self):
        if self.path == "/__build__":
            return self._send(str(self.preview.version).encode(), "text/plain")
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        if url_path in self.pages:
            return self._send(*self.pages[url_path]())
        if not self.preview.ready():  # never an empty folder listing: say why there is no site
            return self._send(self.preview.notice(), "text/html; charset=utf-8")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        # The web editor's page is never reloaded: that would lose what is being typed.
        if path.suffix == ".html" and path.is_file() and not url_path.startswith(EDITOR_PATH):
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


def make_server(
    preview: Preview, host: str, port: int, pages: dict[str, Page] | None = None
) -> http.server.ThreadingHTTPServer:
    """The preview's web server (not started); port 0 picks a free port."""
    handler = type("PreviewHandler", (Handler,), {"preview": preview, "pages": pages or {}})
    os.makedirs(preview.site, exist_ok=True)
    return http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(preview.site)))


def serve_preview(root: Path, host: str, port: int, now_option: str | None, cms_mode: str | None = None) -> int:
    """The preview until Ctrl+C or SIGTERM; with ``cms_mode``, the web editor beside it (cms_local.py)."""
    root = root.resolve()
    editor = None
    if cms_mode is not None:
        if host not in LOOPBACK:
            raise CmsError(NOT_LOOPBACK)
        editor = LocalEditor.prepare(root, cms_mode)  # refuses before anything starts
    preview = Preview(root, now_option)
    server = None
    changes = Changes(root)
    with stopped_by_sigterm():
        try:
            server = make_server(preview, host, port, editor.pages() if editor else None)
            if editor:
                editor.start(server.server_address[1])
            started = time.time()
            if not preview.rebuild() and not preview.ready():
                print(text(CONTENT_ADVICE if preview.problem and preview.problem[0] else BUILD_ADVICE), file=sys.stderr)
            # Watched from now on (the first build ran with no other thread: it may fork its
            # workers); a file saved during the first build is a change all the same.
            changes.start()
            changes.saved_since(started)
            if editor:
                editor.wait_ready()
            threading.Thread(target=preview.watch, args=(changes,), daemon=True).start()
            announce(f"http://{host}:{server.server_address[1]}/", editor)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            # Not waited for: the watcher's threads end with the process.
            threading.Thread(target=changes.stop, daemon=True).start()
            preview.index.stop()
            if server:
                server.server_close()
            if editor:
                editor.stop()
    return 0


@contextlib.contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM ends serve as Ctrl+C does, through its ``finally`` (which stops decap-server);
    so does SIGINT even when serve was started with it ignored (a background job of a shell
    without job control inherits that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    previous_int = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def interrupt(signum, frame):
    raise KeyboardInterrupt


def announce(address: str, editor: LocalEditor | None) -> None:
    print(
        text(bi(f"preview on {address} (Ctrl+C to stop)", f"プレビュー: {address} （止めるときは Ctrl+C）")),
        file=sys.stderr,
        flush=True,
    )
    if editor:
        print(text(editor_started(address, editor)), file=sys.stderr, flush=True)


def editor_started(address: str, editor: LocalEditor) -> Bilingual:
    if editor.mode == "git":
        return bi(
            f"web editor on {address}admin/ (mode git: saves are commits, drafts are branches cms/…, "
            f"publishing merges them into {editor.branch})",
            f"Web 編集: {address}admin/ （git モード: 保存はコミット、下書きはブランチ cms/…、"
            f"公開すると {editor.branch} に取り込みます）",
        )
    return bi(
        f"web editor on {address}admin/ (mode fs: saving writes the file at once)",
        f"Web 編集: {address}admin/ （fs モード: 保存するとすぐにファイルを書きます）",
    )


LOOPBACK = ("127.0.0.1", "localhost")
NOT_LOOPBACK = bi(
    "--cms serves the web editor on this computer only: leave out --host (127.0.0.1)",
    "--cms の Web 編集は、このパソコンの中だけで使えます。--host を書かずに（127.0.0.1 で）起動してください。",
)
