"""Publishing: modes a web server can read, a site that is never missing, stale staging
folders removed, one line for a full disk.

Kills and refusals come from the kernel's side, not from hooks in the build: the build
runs in a subprocess under ``strace``, which stops it on the system call that swaps the
site in (``-e inject=renameat2:signal=SIGKILL``), holds it just after that call
(``delay_exit``) while the test kills it, or makes the call fail as a file system
without ``RENAME_EXCHANGE`` does (``error=EINVAL``). A full disk is a small tmpfs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.writer import build_lock, machine_error, replace_file
from tests.conftest import PROJECT, new_project
from tests.sns_servers import NEWS

NOW = "2026-11-01T10:05"
SECOND = """
---
title: 秋の交流会のお知らせ
date: 2026-11-01T09:00
summary: 秋の交流会を開きます。どなたでもご参加ください。
---
交流会の本文です。
"""
FULL_DISK = re.compile(
    r"error: no space left on device while writing (\S+): free some space and build again; "
    r"the published site is unchanged"
)


def tree_hash(folder: Path) -> str:
    """Names and bytes of everything under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build(root: Path, site: Path) -> tuple[int, str]:
    """``site-builder build`` in this process; the exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--root", str(root), "build", "--quiet", "--site-dir", str(site), "--now", NOW])
    return code, err.getvalue()


def build_command(root: Path, site: Path) -> list[str]:
    command = [sys.executable, "-m", "site_builder.cli", "--root", str(root), "build", "--quiet"]
    return [*command, "--site-dir", str(site), "--now", NOW]


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A project, its first build (``old``) and a build after one more news item (``new``)."""
    base = tmp_path_factory.mktemp("versions")
    root = base / "project"
    root.mkdir()
    new_project(root, {"content/news/hello.md": NEWS})
    assert build(root, base / "old")[0] == 0
    (root / "content" / "news" / "second.md").write_text(SECOND.lstrip("\n"), encoding="utf-8")
    assert build(root, base / "new")[0] == 0
    assert tree_hash(base / "old") != tree_hash(base / "new")
    return root, base / "old", base / "new"


@pytest.fixture
def published(versions, tmp_path):
    """The project, ready to build ``new``, and ``site/`` holding the ``old`` build."""
    root, old, _ = versions
    shutil.copytree(old, tmp_path / "site")
    return root, tmp_path / "site"


def leftovers(site: Path) -> list[str]:
    return sorted(p.name for p in site.parent.iterdir() if p.name != site.name)


# --- modes ------------------------------------------------------------------


@contextlib.contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mask, folders, files", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_the_site_has_the_umask_modes(versions, tmp_path, mask, folders, files):
    root = versions[0]
    with umask(mask):
        assert build(root, tmp_path / "site") == (0, "")
    site = tmp_path / "site"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in [site, *site.rglob("*")] if p.is_dir()}
    assert modes == {folders}
    assert {stat.S_IMODE(p.stat().st_mode) for p in site.rglob("*") if p.is_file()} == {files}
    assert leftovers(site) == []


def test_replace_file_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    ledger = tmp_path / "state" / "ledger.jsonl"
    with umask(0o022):
        replace_file(ledger, b"one\n")
        assert stat.S_IMODE(ledger.stat().st_mode) == 0o644
        ledger.chmod(0o640)
        replace_file(ledger, b"two\n")
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o640 and ledger.read_bytes() == b"two\n"
    with umask(0o077):
        replace_file(tmp_path / "state" / "new.csv", b"a,b\n")
    assert stat.S_IMODE((tmp_path / "state" / "new.csv").stat().st_mode) == 0o600
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["ledger.jsonl", "new.csv"]


# --- kills at the swap --------------------------------------------------------


def strace_or_skip() -> str:
    found = shutil.which("strace")
    if found is None:
        pytest.skip("strace is not installed (apt-get install strace): it injects the kills and refusals")
    probe = subprocess.run([found, "-qq", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here (ptrace not permitted?): {probe.stderr.strip()}")
    return found


def traced(site: Path, *injections: str) -> list[str]:
    """strace around a build: ``-P site`` limits the injections to calls naming the site."""
    command = [strace_or_skip(), "-qq", "-o", os.devnull, "-P", str(site)]
    for injection in injections:
        command += ["-e", f"inject={injection}"]
    return command


def test_a_kill_as_the_site_is_swapped_in_leaves_the_old_site_whole(published, versions):
    root, site = published
    old, new = tree_hash(versions[1]), tree_hash(versions[2])
    command = traced(site, "renameat2:signal=SIGKILL") + build_command(root, site)
    killed = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed.stderr
    assert tree_hash(site) == old  # a fatal signal at the entry stop skips the call (Linux)
    (staging,) = [name for name in leftovers(site) if name.startswith(".site.build-")]
    assert tree_hash(site.parent / staging) == new  # complete, never published
    assert build(root, site) == (0, "")
    assert tree_hash(site) == new and leftovers(site) == []


def test_a_kill_just_after_the_swap_leaves_the_new_site_whole(published, versions):
    root, site = published
    before = site.stat().st_ino
    command = traced(site, "renameat2:delay_exit=20000000") + build_command(root, site)
    tracer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT)
    try:
        wait_until(lambda: site.stat().st_ino != before, 120, "the swap")
        os.kill(child_of(tracer.pid), signal.SIGKILL)  # the build, held by strace on its way out of the call
        tracer.communicate(timeout=60)
    finally:
        tracer.kill()
    assert tree_hash(site) == tree_hash(versions[2])
    assert leftovers(site)[0].startswith(".site.build-")  # the old site, at the staging folder's name
    assert leftovers(site)[1:] == [".site.lock"]  # the lock of the killed build (flock ended with it)
    assert build(root, site) == (0, "")
    assert tree_hash(site) == tree_hash(versions[2]) and leftovers(site) == []


def test_without_an_atomic_swap_a_kill_between_the_renames_is_repaired_by_the_next_build(published, versions):
    """Where the file system refuses RENAME_EXCHANGE, the two renames of the fallback have a
    moment without ``site/``; the next build, first of all, puts the old site back."""
    root, site = published
    old, new = tree_hash(site), tree_hash(versions[2])
    refused = ["-e", "inject=renameat2:error=EINVAL"]
    log = site.parent / "renames.log"
    trace = [strace_or_skip(), "-qq", "-o", str(log), "-e", "trace=?rename,renameat,renameat2", *refused]
    fallback = subprocess.run(trace + build_command(root, site), capture_output=True, text=True, cwd=PROJECT)
    assert fallback.returncode == 0, fallback.stderr  # published by two renames
    assert tree_hash(site) == new and leftovers(site) == ["renames.log"]
    name, number = site_out(log.read_text(encoding="utf-8"), site)
    shutil.rmtree(site)
    shutil.copytree(versions[1], site)
    kill = ["-e", f"inject={name}:signal=SIGKILL:when={number + 1}"]  # the rename that brings the new site in
    command = [strace_or_skip(), "-qq", "-o", os.devnull, *refused, *kill, *build_command(root, site)]
    killed = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed.stderr
    assert not site.exists()  # the kill landed between "old out" and "new in"
    broken = root.parent / "broken"
    shutil.copytree(root, broken)
    (broken / "content" / "news" / "second.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    code, err = build(broken, site)  # stops at the content error, after putting the old site back
    assert code == 1 and err.endswith("1 error; nothing was written\n")
    assert tree_hash(site) == old and leftovers(site) == ["renames.log"]


def site_out(log: str, site: Path) -> tuple[str, int]:
    """The system call that moved ``site`` out of the way, and its number among those calls."""
    calls = re.findall(r"^(rename|renameat)\((.*)$", log, re.MULTILINE)
    for number, (name, arguments) in enumerate((c for c in calls if c[0] == calls[-1][0]), 1):
        if f'"{site}", ' in arguments and ".site.old-" in arguments:
            return name, number
    raise AssertionError(f"no rename of {site} in the trace:\n{log}")


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def child_of(pid: int) -> int:
    """The one child process of ``pid`` (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    children.append(int(entry.name))
    (child,) = children
    return child


# --- stale folders and the lock -------------------------------------------------


def test_the_next_build_removes_only_the_stale_folders_of_its_own_site(published, versions):
    root, site = published
    ours = [".site.build-1a2b3c4d", ".site.build-k9x_0w2q", ".site.old-12345"]
    theirs = [".site.build-notes.txt", ".site2.build-1a2b3c4d", ".site.building-1a2b", "site.build-1a2b"]
    for name in ours + theirs:
        if name.endswith(".txt"):
            (site.parent / name).write_text("not a folder", encoding="utf-8")
        else:
            (site.parent / name / "assets").mkdir(parents=True)
    (site.parent / ".site.build-l1nk").symlink_to(site.parent / ".site2.build-1a2b3c4d")
    theirs.append(".site.build-l1nk")
    assert build(root, site) == (0, "")
    assert leftovers(site) == sorted(theirs)
    assert tree_hash(site) == tree_hash(versions[2])


def test_a_second_build_of_the_same_site_is_refused_while_one_runs(published):
    root, site = published
    staging = site.parent / ".site.build-0f1e2d3c"  # in use by the build that holds the lock
    staging.mkdir()
    before = tree_hash(site)
    with build_lock(site):
        code, err = build(root, site)
    assert code == 75
    assert err == (
        f"error: another build is writing {site} (it holds {site.parent / '.site.lock'}); "
        "wait for it to end, then build again; the published site is unchanged\n"
    )
    assert tree_hash(site) == before and leftovers(site) == [".site.build-0f1e2d3c"]


# --- a full disk ----------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """Mount a tmpfs of ``size`` KiB at a new folder; unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted: list[Path] = []

    def mount(size: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}k", "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"mount -t tmpfs is not permitted here: {done.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def kib(folder: Path) -> int:
    """What the files under ``folder`` take on a tmpfs (whole 4 KiB pages; folders take none)."""
    return sum(-(-path.stat().st_size // 4096) * 4 for path in folder.rglob("*") if path.is_file())


# Room for the new build, as a share of its size: with 0.3 the engine fails on a write; with
# 0.95 the engine's files fit and Pagefind fills the disk (it exits 0 with truncated files).
@pytest.mark.parametrize("share", [0.3, 0.95])
def test_a_full_disk_ends_in_one_line_and_the_old_site_byte_for_byte(versions, small_disk, share):
    root, old, new = versions
    disk = small_disk(kib(old) + int(kib(new) * share))
    site = disk / "site"
    shutil.copytree(old, site)
    code, err = build(root, site)
    assert code == 1
    assert len(err.splitlines()) == 1 and FULL_DISK.fullmatch(err.strip()), err
    assert FULL_DISK.fullmatch(err.strip()).group(1).startswith(str(site))
    assert tree_hash(site) == tree_hash(old) and leftovers(site) == []


def test_a_machine_error_names_the_published_path_not_the_staging_folder(tmp_path):
    site = tmp_path / "site"
    full = OSError(28, "No space left on device", str(tmp_path / ".site.build-1a2b3c4d" / "news" / "index.html"))
    assert str(machine_error(full, site, tmp_path)) == (
        "no space left on device while writing site/news/index.html: free some space and build again; "
        "the published site is unchanged"
    )
    denied = OSError(13, "Permission denied", str(tmp_path / "cases" / "a.md"))
    assert str(machine_error(denied, site, tmp_path)) == (
        "permission denied on cases/a.md: give this user access to it and build again; the published site is unchanged"
    )
    assert machine_error(FileNotFoundError(2, "No such file or directory", "x"), site, tmp_path) is None
