"""``site-builder serve --cms`` without a browser: the door on 127.0.0.1:8081 that
passes the web editor's requests to decap-server (cms_guard.py), what is refused
before anything starts (cms_local.py), and that decap-server never outlives serve.
The editor used through Chromium is tests/test_cms_browser.py."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import threading
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest

from site_builder.cms import admin
from site_builder.commands.cms_guard import Guard, Refused, check_request
from site_builder.commands.cms_local import EDITOR_PORT, CmsError, LocalEditor, check_repository, choose_mode
from tests.conftest import new_project
from tests.golden import sample_project
from tests.served_cms import editor_port, editor_ready, git, git_project, post, serving, start_serve, stop
from tests.test_cli import LOCAL, fetch, wait_for

ORIGIN = "http://127.0.0.1:8000"


def request(action: str, **params) -> bytes:
    return json.dumps({"action": action, "params": {"branch": "main", **params}}).encode()


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    for folder in ("cases", "events", "content/news"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "theme").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        (request("getEntry", path="cases/a.md"), ["cases/a.md"]),
        (request("entriesByFolder", folder="content/news", extension="md", depth=1), ["content/news"]),
        (request("getMedia", mediaFolder="content/images"), ["content/images"]),
        (
            request(
                "persistEntry",
                dataFiles=[{"slug": "a", "path": "cases/a.md", "raw": "---\n", "newPath": "cases/b.md"}],
                assets=[{"path": "cases/images/p.png", "content": "", "encoding": "base64"}],
                options={"commitMessage": "m", "useWorkflow": True, "status": "draft"},
            ),
            ["cases/a.md", "cases/b.md", "cases/images/p.png"],
        ),
        (
            request("deleteFiles", paths=["events/a.md", "events/images/a.png"], options={"commitMessage": "m"}),
            ["events/a.md", "events/images/a.png"],
        ),
        (json.dumps({"action": "info"}).encode(), []),
    ],
)
def test_the_door_passes_what_stays_in_the_content_folders(content_root, body, paths):
    assert check_request(content_root, "main", body) == paths


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (request("persistMedia", asset={"path": ".git/hooks/post-checkout", "content": ""}), "outside the content"),
        (request("getEntry", path="mkdocs.yml"), "outside the content folders: mkdocs.yml"),
        (request("getEntry", path="cases/../mkdocs.yml"), "outside the content folders"),
        (request("getEntry", path="/etc/passwd"), "outside the content folders"),
        (request("getEntry", path="cases/link/x.md"), "leads outside the content folders: cases/link/x.md"),
        (request("deleteFiles", paths=["cases/a.md", "tools/install-deps"]), "outside the content folders: tools"),
        (request("getEntry", path=["cases/a.md"]), "not a path"),
        (request("getEntry", path="cases\\..\\mkdocs.yml"), "not a path"),
        (json.dumps({"action": "getEntry", "params": {"branch": "cms/x", "path": "cases/a.md"}}).encode(), "branch"),
        (json.dumps({"action": "info", "branch": "other"}).encode(), "only the branch main"),
        (b"[1, 2", "not JSON"),
        (json.dumps({"params": {}}).encode(), "no action"),
        (json.dumps({"action": "x", "params": {"a": [[[[[[[[[[{"path": "cases/a"}]]]]]]]]]]}}).encode(), "deeply"),
    ],
)
def test_the_door_refuses_paths_outside_the_content_folders_and_other_branches(content_root, body, reason):
    (content_root / "cases" / "link").symlink_to(content_root / "theme")
    with pytest.raises(Refused) as refused:
        check_request(content_root, "main", body)
    assert reason in str(refused.value)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Stands for decap-server: answers every POST with what it received."""

    received: ClassVar[list[bytes]] = []

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(body)
        answer = json.dumps({"echo": json.loads(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def door(content_root):
    Recorder.received = []
    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    guard = Guard(content_root, 0, target.server_address[1], {ORIGIN}, "main")
    guard.start()
    yield f"http://127.0.0.1:{guard.server_address[1]}/api/v1", guard.server_address[1]
    for server in (guard, target):
        server.shutdown()
        server.server_close()


def test_the_door_forwards_the_previews_requests_with_cors_headers(door):
    url, _ = door
    body = request("getEntry", path="cases/a.md")
    status, headers, answer = post(url, body, ORIGIN)
    assert status == 200 and json.loads(answer) == {"echo": json.loads(body)}
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert Recorder.received == [body]


def test_the_door_refuses_other_origins_other_host_names_and_bad_paths(door):
    url, port = door
    body = request("getEntry", path="cases/a.md")
    assert post(url, body, "http://127.0.0.1:9999")[0] == 403  # another local server's page
    assert post(url, body, "https://example.org")[0] == 403
    # A site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name.
    assert post(url, body, ORIGIN, host=f"attacker.example:{port}")[0] == 403
    status, headers, answer = post(url, request("getEntry", path=".git/config"), ORIGIN)
    assert status == 403 and "outside the content folders" in json.loads(answer)["error"]
    assert headers["Access-Control-Allow-Origin"] == ORIGIN  # so that the editor can show why
    assert Recorder.received == []


def test_the_door_answers_the_browsers_preflight_for_the_preview_only(door):
    url, _ = door
    preflight = urllib.request.Request(url, method="OPTIONS", headers={"Origin": ORIGIN})
    with LOCAL.open(preflight, timeout=5) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"


# --- refused before anything starts ----------------------------------------------------------


def test_a_folder_that_is_no_git_repository_is_edited_in_fs_mode_and_said_so(tmp_path, capsys):
    assert choose_mode(tmp_path, "auto") == "fs"
    assert "not a git repository" in capsys.readouterr().err
    with pytest.raises(CmsError, match="is not a git repository"):
        choose_mode(tmp_path, "git")


def test_a_git_repository_is_edited_in_git_mode_on_its_branch(tmp_path):
    root = git_project(tmp_path / "p")
    assert choose_mode(root, "auto") == "git" and choose_mode(root, "fs") == "fs"
    assert check_repository(root).branch == "main"
    git(root, "switch", "--quiet", "-c", "spring")
    assert check_repository(root).branch == "spring"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda root: (root / "cases" / "new.md").write_text("x"), "uncommitted changes (cases/new.md)"),
        (lambda root: (root / ".gitignore").write_text("/site/\n"), "not ignored by git"),
        (lambda root: git(root, "switch", "--quiet", "--detach"), "detached HEAD"),
        (lambda root: shutil.rmtree(root / ".git") or git(root, "init", "--quiet"), "no commit yet"),
    ],
)
def test_git_mode_refuses_in_words_what_would_fail_or_mix_in_other_work(tmp_path, spoil, message):
    root = git_project(tmp_path / "p")
    spoil(root)
    with pytest.raises(CmsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_repository(root)


def test_git_mode_asks_for_a_committer_name(tmp_path, monkeypatch):
    root = git_project(tmp_path / "p")
    for key in ("user.name", "user.email"):
        git(root, "config", "--unset", key)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.gitconfig
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("EMAIL", "")
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(CmsError, match="git does not know who commits"):
        check_repository(root)


def test_missing_node_and_missing_decap_server_are_said_in_japanese(tmp_path, monkeypatch, run_cli):
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no git
    code, _, err = run_cli("--lang", "ja", "--root", tmp_path, "serve", "--cms")
    assert code == 1 and "Node.js（node コマンド、20 以上）が入っていません" in err
    monkeypatch.undo()
    monkeypatch.setattr(admin, "TOOL_FOLDER", tmp_path)  # a site-builder installed without node_modules
    code, _, err = run_cli("--lang", "ja", "--root", tmp_path, "serve", "--cms")
    assert code == 1 and "decap-server が入っていません" in err and "make cms" in err


def test_the_editor_is_for_this_computer_only(tmp_path, run_cli):
    code, _, err = run_cli("--root", tmp_path, "serve", "--cms", "--host", "0.0.0.0")
    assert code == 1 and "this computer only" in err


def test_a_taken_port_8081_is_said_and_nothing_is_left_running(tmp_path, run_cli):
    with editor_port(), socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: past connections do not count
        taken.bind(("127.0.0.1", EDITOR_PORT))
        taken.listen()
        editor = LocalEditor.prepare(new_project(tmp_path), "fs")
        with pytest.raises(CmsError, match=f"port {EDITOR_PORT} is taken"):
            editor.start(8000)
        assert editor.decap is None  # refused before decap-server was started
        editor.stop()


# --- the proxy never outlives serve ----------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_decap_server_ends_with_serve_however_serve_ends(tmp_path, signum):
    root = tmp_path / "p"
    root.mkdir()
    new_project(root, {"content/news/n.md": "---\ntitle: t\ndate: 2020-01-01\nsummary: s\n---\nb\n"})
    with editor_port():
        served = start_serve(root, tmp_path / "serve.log")
        try:
            wait_for(lambda: editor_ready(served), 120, "serve --cms to start")
            children = served.children()
            assert len(children) == 1 and alive(children[0])
        finally:
            code = stop(served, signum)
        assert code == (0 if signum != signal.SIGKILL else -signal.SIGKILL)
        wait_for(lambda: not alive(children[0]), 10, "decap-server to end")
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", EDITOR_PORT))  # free again


def test_fs_mode_writes_into_the_working_tree_and_the_preview_rebuilds(tmp_path):
    root = sample_project(tmp_path / "p")  # no git repository: fs mode
    with serving(root, tmp_path / "serve.log") as served:
        news = "---\ntitle: 館内整理日 zqfs\ndate: 2020-07-01\nsummary: 休館します。\n---\n本文です。\n"
        entry = {"slug": "zq", "path": "content/news/zq.md", "raw": news}
        options = {"commitMessage": "m", "useWorkflow": False, "status": "draft"}
        body = request("persistEntry", dataFiles=[entry], assets=[], options=options)
        status, _, answer = post(f"http://localhost:{EDITOR_PORT}/api/v1", body, served.base)
        assert status == 200, answer
        assert (root / "content/news/zq.md").read_text(encoding="utf-8") == news
        wait_for(lambda: "zqfs" in fetch(served.base + "/news/zq/"), 60, "the preview to show the saved news")
        assert "mode fs" in served.output() and "not a git repository" in served.output()
