"""decap-server (npm), Decap CMS's local proxy, run by ``serve --cms`` (see cms_local.py).

It is started with node directly from ``node_modules`` (never ``npx``: nothing is
downloaded), on 127.0.0.1 only, in its own folder (it reads a ``.env`` file from
where it runs), and it ends when serve does, however serve ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from pathlib import Path

from site_builder.cms import admin
from site_builder.content.i18n import bi

STARTUP_SECONDS = 30
# Starts decap-server and ends it when its stdin closes, that is when serve ends in any
# way, even killed: the proxy never outlives the preview.
BOOTSTRAP = "process.stdin.on('end',()=>process.exit(0));process.stdin.resume();require(process.argv[1]);"


class CmsError(Exception):
    """``serve --cms`` cannot start: the message says what to do."""


def find_decap_server(root: Path) -> Path:
    """decap-server's entry script, from the project's node_modules or site-builder's own."""
    package = admin.find_package(root, "decap-server")
    if package and (package / "dist" / "index.js").is_file():
        return package / "dist" / "index.js"
    raise CmsError(
        bi(
            f"decap-server is not installed (node_modules/decap-server): run `make cms` "
            f"(or `npm ci --ignore-scripts` in {admin.TOOL_FOLDER}), then start again",
            "Web 編集用のプログラム decap-server が入っていません（node_modules/decap-server）。"
            f"make cms を実行するか、{admin.TOOL_FOLDER} で npm ci --ignore-scripts を実行してから、"
            "もう一度起動してください。",
        )
    )


def find_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise CmsError(
            bi(
                "node (Node.js 20 or later) is not installed; it runs decap-server "
                "(Debian/Ubuntu: sudo apt-get install -y nodejs npm)",
                "Node.js（node コマンド、20 以上）が入っていません。Web 編集用の decap-server を動かすのに必要です"
                "（Debian/Ubuntu: sudo apt-get install -y nodejs npm）。",
            )
        )
    return node


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DecapServer:
    """One running decap-server on 127.0.0.1:``port``; :meth:`stop` ends it."""

    def __init__(self, root: Path, mode: str, port: int | None = None):
        self.root, self.mode = root, mode
        self.port = port or free_port()
        self.output: deque[str] = deque(maxlen=20)  # its last lines, for an error message
        node, script = find_node(), find_decap_server(root)
        env = {
            **os.environ,
            "PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "MODE": mode,
            "GIT_REPO_DIRECTORY": str(root),
            "LOG_LEVEL": "warn",
        }
        self.process = subprocess.Popen(
            [node, "-e", BOOTSTRAP, str(script)],
            cwd=script.parent.parent,  # its own folder: no stray .env file is read (it loads dotenv)
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C reaches serve only, which stops it in order
        )
        threading.Thread(target=self._relay, daemon=True).start()

    def _relay(self) -> None:
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self.output.append(line)
            print(f"decap-server: {line}", file=sys.stderr, flush=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        """Returns once it answers; raises :class:`CmsError` when it ends or stays silent."""
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(self.url, b'{"action":"info"}', {"Content-Type": "application/json"})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError), opener.open(request, timeout=2) as response:
                if response.status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        said = " / ".join(self.output) or "-"
        raise CmsError(
            bi(
                f"decap-server did not start (exit status {self.process.returncode}): {said}",
                f"Web 編集用の decap-server が起動しませんでした（終了コード {self.process.returncode}）: {said}",
            )
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
