"""State is not output: the send and post ledgers outlive `make clean`, builds and rebuilds.

Real parts only: the repository's Makefile run by make in a scratch project, the real
CLI, an SMTP sink on 127.0.0.1 (aiosmtpd, as in test_mailer) and git for .gitignore.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.writer import GENERATED_DIRS, move_file
from tests.conftest import PROJECT, new_project
from tests.sns_servers import NEWS, sns_project
from tests.test_mailer import EDITION, NOW, Sink, env_for, send_command, start_server, subscribers

FILES = {
    "content/newsletter/2020-07a.md": """
        ---
        title: 創刊号
        date: 2020-07-01T09:00
        ---
        創刊のごあいさつです。
        """,
    "content/news/hello.md": """
        ---
        title: お知らせ
        date: 2020-06-30T10:00
        summary: テスト用のお知らせです。
        ---
        本文。
        """,
}
EVERYONE = Counter({f"sub{i:03d}@example.com": 1 for i in range(1, 6)})


def build_edition(root: Path) -> Path:
    """``newsletter build`` with the default ``--out``; the built edition's folder."""
    assert main(["--root", str(root), "newsletter", "build", "--edition", EDITION, "--now", NOW]) == 0
    return root / "dist" / "newsletter" / EDITION


def send(root: Path, csv: Path, controller, *options: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        send_command(root, root / "dist" / "newsletter", csv, *options),
        env=env_for(controller),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def state_ledger(root: Path) -> Path:
    return root.resolve() / "state" / "newsletter" / EDITION / "ledger.jsonl"


def sent_in(path: Path) -> set[str]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {r["email"] for r in records if r.get("state") == "sent"}


def test_make_clean_between_two_sends_never_mails_anyone_twice(tmp_path: Path):
    root = new_project(tmp_path, FILES)
    shutil.copy(PROJECT / "Makefile", root / "Makefile")
    csv = subscribers(tmp_path / "subs.csv", 5)
    sink = Sink()
    controller = start_server(sink)
    try:
        built = build_edition(root)
        assert "sent 5, already sent 0" in send(root, csv, controller, "--rate", "0").stderr
        assert sorted(p.name for p in built.iterdir()) == ["edition.json", "email.html", "email.txt", "message.eml"]

        cleaned = subprocess.run(["make", "-C", str(root), "clean"], capture_output=True, text=True, timeout=60)
        assert cleaned.returncode == 0, cleaned.stderr
        assert not (root / "dist").exists()
        assert sent_in(state_ledger(root)) == set(EVERYONE)

        build_edition(root)
        again = send(root, csv, controller, "--rate", "0")
        assert "sent 0, already sent 5" in again.stderr
        assert sink.per_recipient() == EVERYONE
    finally:
        controller.stop()


def old_ledger(built: Path, sent: list[str]) -> Path:
    """A ledger as an earlier version left it in the built edition's folder. The header's
    digest is computed here from edition.json: sha256 of subject, From, HTML and text."""
    edition = json.loads((built / "edition.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256("\0".join(edition[k] for k in ("subject", "sender", "html", "text")).encode()).hexdigest()
    lines = [{"edition": EDITION, "sha256": digest, "at": "2020-07-02T01:00:00.000+00:00"}]
    lines += [
        {"email": address, "state": "sent", "message_id": f"<{n}@old>", "at": "2020-07-02T01:00:01.000+00:00"}
        for n, address in enumerate(sent)
    ]
    path = built / "ledger.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_ledger_in_the_output_folder_moves_into_state_and_is_honoured(tmp_path: Path, run_cli, capsys):
    root = new_project(tmp_path, FILES)
    built = build_edition(root)
    capsys.readouterr()
    old = old_ledger(built, ["sub001@example.com", "sub002@example.com", "sub003@example.com"])
    before = old.read_bytes()
    csv = subscribers(tmp_path / "subs.csv", 5)

    code, stdout, stderr = run_cli(
        "--root",
        root,
        "newsletter",
        "send",
        "--edition",
        EDITION,
        "--subscribers",
        csv,
        "--now",
        NOW,
        "--dry-run",
        "--no-server-database",
    )
    assert code == 0, stderr
    assert stdout.splitlines() == ["would send to sub004@example.com", "would send to sub005@example.com"]
    assert f"{old} would move to {state_ledger(root)}" in stderr
    assert old.read_bytes() == before and not (root / "state").exists()  # a dry run moves nothing

    sink = Sink()
    controller = start_server(sink)
    try:
        result = send(root, csv, controller, "--rate", "0")
        moved = [line for line in result.stderr.splitlines() if line.startswith("moved ")]
        assert moved == [
            f"moved {old} to {state_ledger(root)}: state is kept apart from output, "
            "so a clean or a build never deletes it"
        ]
        assert "sent 2, already sent 3" in result.stderr
        assert sink.per_recipient() == Counter({"sub004@example.com": 1, "sub005@example.com": 1})
        assert not old.exists()
        assert state_ledger(root).read_bytes().startswith(before)
        assert sent_in(state_ledger(root)) == set(EVERYONE)
        assert "moved " not in send(root, csv, controller).stderr  # once
    finally:
        controller.stop()


POSTED = {
    "id": "news/hello/announce/x",
    "state": "posted",
    "remote_id": "1859",
    "remote_url": "https://x.com/i/web/status/1859",
    "result_at": "2026-11-01T10:03:00+09:00",
}


def plan_rows(run_cli, root: Path) -> tuple[dict[str, tuple], str]:
    code, out, err = run_cli("--root", root, "sns", "plan", "--json", "--now", "2026-11-13T09:00")
    assert code == 0, err
    return {row["id"]: (row["status"], row["remote_id"]) for row in json.loads(out)["posts"]}, err


def test_the_old_sns_ledger_moves_into_state_and_its_posts_stay_posted(tmp_path: Path, run_cli):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x"])
    old = root / "sns" / "ledger.jsonl"
    old.parent.mkdir()
    old.write_text(json.dumps(POSTED, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    before = old.read_bytes()
    new = root.resolve() / "state" / "sns" / "ledger.jsonl"

    rows, err = plan_rows(run_cli, root)
    assert err.splitlines() == [
        f"moved {old} to {new}: state is kept apart from output, so a clean or a build never deletes it"
    ]
    assert rows == {"news/hello/announce/x": ("posted", "1859")}
    assert not old.exists() and new.read_bytes() == before
    assert plan_rows(run_cli, root) == (rows, "")


def test_an_explicit_sns_ledger_is_used_where_it_is(tmp_path: Path, run_cli):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x"], sns_ledger="sns/ledger.jsonl")
    old = root / "sns" / "ledger.jsonl"
    old.parent.mkdir()
    old.write_text(json.dumps(POSTED, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert plan_rows(run_cli, root) == ({"news/hello/announce/x": ("posted", "1859")}, "")
    assert old.exists() and not (root / "state").exists()


@pytest.mark.parametrize(
    "state_dir, problem",
    [
        ("dist/state", "is inside dist/, which `make clean` deletes; state must outlive a clean"),
        ("../elsewhere", "must name a folder inside the project"),
        (".", "must name a folder inside the project"),
    ],
)
def test_a_state_dir_that_a_clean_deletes_or_outside_the_project_is_refused(tmp_path, run_cli, state_dir, problem):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x"], state_dir=state_dir)
    code, out, err = run_cli("--root", root, "sns", "plan", "--now", "2026-11-13T09:00")
    assert code == 1 and out == ""
    assert err.startswith(f"error: mkdocs.yml: extra.site_builder: state_dir: {state_dir!r} {problem}"), err


def test_make_clean_deletes_only_generated_output_and_git_keeps_state():
    recipe = re.search(r"^clean:.*\n\t(.+)$", (PROJECT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    assert recipe.split() == ["rm", "-rf", *GENERATED_DIRS]

    def ignored(path: str) -> bool:
        result = subprocess.run(["git", "-C", str(PROJECT), "check-ignore", "--no-index", "-q", path], timeout=30)
        assert result.returncode in (0, 1)
        return result.returncode == 0

    assert not ignored("state/sns/ledger.jsonl") and not ignored(f"state/newsletter/{EDITION}/ledger.jsonl")
    assert ignored("state/sns/ledger.jsonl.lock") and ignored("state/sns/.ledger.jsonl.x1y2.tmp")
    assert ignored("dist/newsletter/x/email.html")


def test_a_move_across_file_systems_copies_then_removes(tmp_path: Path):
    if not os.access("/dev/shm", os.W_OK) or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs a second file system (/dev/shm)")
    other = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        source = other / "ledger.jsonl"
        source.write_bytes(b'{"id": "a"}\n')
        target = tmp_path / "state" / "sns" / "ledger.jsonl"
        move_file(source, target)
        assert target.read_bytes() == b'{"id": "a"}\n' and not source.exists()
        assert [p.name for p in target.parent.iterdir()] == ["ledger.jsonl"]  # no temporary file left
    finally:
        shutil.rmtree(other)
