"""``serve --cms``: Decap CMS's local proxy (npm ``decap-server``) beside the preview.

The web editor at ``/admin/`` with ``local_backend: true`` always calls
``http://localhost:8081/api/v1``. That address is :mod:`cms_guard`'s, on 127.0.0.1;
it passes the editor's requests on to ``decap-server``, which this module starts with
node (never ``npx``: nothing is downloaded) on another port of 127.0.0.1, with
``GIT_REPO_DIRECTORY`` = the project.

Mode ``git`` when the project is a git repository: every save is a commit, and the
editor's review step (``publish_mode: editorial_workflow``) works as on GitHub: a
draft is a branch ``cms/<collection>/<slug>``, and publishing merges it into the
current branch, so the files then land in the working tree and the preview rebuilds.
Mode ``fs`` otherwise (or with ``--cms-mode fs``): a save writes the file at once and
the preview rebuilds, but there is no review step (Decap falls back to simple
publishing) and nothing is committed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mimetypes
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from site_builder import pipeline
from site_builder.cms import admin
from site_builder.cms.config import cms_config
from site_builder.commands.cms_guard import Guard
from site_builder.commands.cms_proxy import CmsError, DecapServer, find_decap_server, find_node, free_port
from site_builder.content.i18n import bi, text

EDITOR_PORT = 8081  # fixed by Decap CMS for local_backend: true
EDITOR_PATH = "/admin/"  # the web editor's page in the preview
Page = Callable[[], tuple[bytes, str]]  # a page the preview serves from memory: () -> (body, type)


@dataclass(frozen=True)
class Repository:
    """What the proxy needs to know of the project's git repository (mode ``git``)."""

    branch: str  # the branch the editor reads and publishes to: the checked-out one


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def choose_mode(root: Path, wanted: str) -> str:
    """``git`` or ``fs`` for ``--cms-mode`` ``wanted`` (``auto``, ``git`` or ``fs``)."""
    if wanted == "fs":
        return "fs"
    in_repository = shutil.which("git") is not None and git(root, "rev-parse", "--is-inside-work-tree").returncode == 0
    if in_repository:
        return "git"
    if wanted == "git":
        raise CmsError(
            bi(
                f"{root} is not a git repository (or git is not installed): --cms-mode git needs one; "
                "use --cms-mode fs to write files without commits",
                f"{root} は git のリポジトリではありません（または git が入っていません）。--cms-mode git には"
                "リポジトリが必要です。コミットせずにファイルを書くなら --cms-mode fs で起動してください。",
            )
        )
    print(text(FS_NOTICE), file=sys.stderr, flush=True)
    return "fs"


FS_NOTICE = bi(
    "the project is not a git repository: the web editor writes files directly (no drafts, no review step, no commits)",
    "このプロジェクトは git のリポジトリではないため、Web 編集は保存するとすぐにファイルを書きます"
    "（下書き・レビューの段階はなく、コミットもしません）。",
)


def check_repository(root: Path) -> Repository:
    """Refuses, in words, what would make the git-mode proxy fail or mix in other work."""
    if git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        raise CmsError(
            bi(
                "the repository has no commit yet: commit the project once, then start again",
                "リポジトリにまだコミットがありません。プロジェクトを一度コミットしてから、もう一度起動してください。",
            )
        )
    branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip()
    if not branch:
        raise CmsError(
            bi(
                "no branch is checked out (detached HEAD): check out the branch to edit, e.g. git switch main",
                "ブランチが選ばれていません（detached HEAD）。"
                "編集するブランチに切り替えてください（例: git switch main）。",
            )
        )
    if git(root, "var", "GIT_AUTHOR_IDENT").returncode != 0 or git(root, "var", "GIT_COMMITTER_IDENT").returncode:
        raise CmsError(
            bi(
                'git does not know who commits: run git config --global user.name "Your Name" and '
                'git config --global user.email "you@example.org", then start again',
                "コミットする人の名前とメールアドレスが git に設定されていません。"
                'git config --global user.name "名前" と git config --global user.email "メールアドレス" を'
                "実行してから、もう一度起動してください。",
            )
        )
    if git(root, "check-ignore", "--quiet", ".cache/site-builder/preview/index.html").returncode != 0:
        raise CmsError(
            bi(
                "the preview folder .cache/ is not ignored by git, so the web editor's commits would take it: "
                "add the line /.cache/ to .gitignore",
                "プレビューのフォルダ .cache/ が git に無視されていないため、Web 編集のコミットに入ってしまいます。"
                ".gitignore に /.cache/ の行を足してください。",
            )
        )
    changed = git(root, "status", "--porcelain", "--untracked-files=all", "--", ".").stdout.splitlines()
    if changed:
        listed = ", ".join(line[3:] for line in changed[:5]) + (" …" if len(changed) > 5 else "")
        raise CmsError(
            bi(
                f"the working tree has uncommitted changes ({listed}): the web editor commits every file it finds, "
                "so commit or stash them first, or start with --cms-mode fs (no commits)",
                f"コミットしていない変更があります（{listed}）。Web 編集はコミットのときにフォルダ内のすべての"
                "ファイルを含めてしまうので、先にコミットするか git stash で退避してください。"
                "コミットしないで編集するなら --cms-mode fs で起動してください。",
            )
        )
    return Repository(branch)


def port_taken(host: str, port: int) -> bool:
    """Whether a program listens on ``host``:``port`` (closed connections do not count, as for a server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        return exc.errno == errno.EADDRINUSE
    return False


class LocalEditor:
    """The proxy pair of ``serve --cms``: :class:`cms_guard.Guard` on 127.0.0.1:8081 in
    front of a :class:`DecapServer`. :meth:`prepare` checks everything that can be
    checked before anything starts; :meth:`start` then :meth:`stop`."""

    def __init__(self, root: Path, mode: str, repository: Repository | None):
        self.root, self.mode, self.repository = root, mode, repository
        self.guard: Guard | None = None
        self.decap: DecapServer | None = None
        self.config = pipeline.load_config(root)
        try:
            self.files = admin.render_admin(self.config)  # Decap CMS and the form's page
        except admin.BundleMissing as missing:
            raise CmsError(missing.args[0]) from None

    @classmethod
    def prepare(cls, root: Path, wanted_mode: str) -> LocalEditor:
        find_node()
        find_decap_server(root)
        mode = choose_mode(root, wanted_mode)
        return cls(root, mode, check_repository(root) if mode == "git" else None)

    def pages(self) -> dict[str, Page]:
        """``/admin/`` as the preview serves it: from the package, not from the last
        build, so the form opens even while the content does not build (the form is a
        way to fix it); its ``config.yml`` for this proxy (:meth:`config_file`)."""
        pages = {"/" + path: served(path, data) for path, data in self.files.items()}
        pages[EDITOR_PATH] = pages[EDITOR_PATH + "index.html"]
        pages[EDITOR_PATH + "config.yml"] = self.config_file
        return pages

    def config_file(self) -> tuple[bytes, str]:
        """The form's configuration with ``local_backend: true`` and, in mode git, the
        checked-out branch; read again each time, so that a saved mkdocs.yml counts."""
        with contextlib.suppress(Exception):  # the preview reports a broken mkdocs.yml; the last good one serves
            self.config = pipeline.load_config(self.root)
        data = cms_config(self.config, local_backend=True)
        if self.repository:
            data["backend"]["branch"] = self.repository.branch
        else:  # decap-server in mode fs offers no review step: publishing is saving
            data["publish_mode"] = "simple"
        return json.dumps(data, ensure_ascii=False, indent=1).encode(), "text/yaml; charset=utf-8"  # JSON is YAML

    @property
    def branch(self) -> str | None:
        return self.repository.branch if self.repository else None

    def start(self, preview_port: int) -> None:
        """Starts both on behalf of the preview on 127.0.0.1:``preview_port``."""
        if port_taken("::1", EDITOR_PORT):  # localhost may mean ::1 to the browser
            raise CmsError(PORT_TAKEN)
        origins = {f"http://{host}:{preview_port}" for host in ("127.0.0.1", "localhost")}
        decap_port = free_port()
        try:
            self.guard = Guard(self.root, EDITOR_PORT, decap_port, origins, self.branch)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CmsError(PORT_TAKEN) from None
            raise
        self.guard.start()
        self.decap = DecapServer(self.root, self.mode, decap_port)

    def wait_ready(self) -> None:
        if self.decap:
            self.decap.wait_ready()

    def stop(self) -> None:
        if self.guard:
            self.guard.shutdown()
            self.guard.server_close()
        if self.decap:
            self.decap.stop()


PORT_TAKEN = bi(
    f"port {EDITOR_PORT} is taken by another program (perhaps another site-builder serve --cms or "
    f"decap-server): the web editor always uses http://localhost:{EDITOR_PORT}; stop that program, then start again",
    f"ポート {EDITOR_PORT} を別のプログラムが使っています"
    "（別の site-builder serve --cms や decap-server かもしれません）。"
    f"Web 編集は必ず http://localhost:{EDITOR_PORT} を使うので、そのプログラムを止めてから、もう一度起動してください。",
)


def served(path: str, data: str | Path) -> Page:
    """A page of :meth:`LocalEditor.pages` at site ``path``: text made once, or a file read at each request."""
    suffix = Path(path).suffix
    kind = {".wasm": "application/wasm", ".yml": "text/yaml"}.get(suffix) or mimetypes.guess_type(path)[0]
    kind = kind or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    if isinstance(data, Path):
        return lambda: (data.read_bytes(), kind)
    body = data.encode()
    return lambda: (body, kind)
