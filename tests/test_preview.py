"""``site-builder serve`` before its first good build, run for real: it says in Japanese
what went wrong (never an empty folder listing), tells a content error from another
failure, and shows the site once a saved file lets the build succeed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT, new_project
from tests.test_cli import fetch, free_port, stop, wait_for
from tests.test_shipped_font import CSV as WARDS_CSV
from tests.test_shipped_font import PAGE as ISSUE_PAGE

NEWS = """\
---
title: 館内整理日のお知らせ zqnews
date: 2026-10-01T10:00
summary: 館内整理のため休館します。
---
本文です。
"""
NOTICE_TITLE = "<title>プレビューを表示できません</title>"


def serve(root: Path, log: Path, pythonpath: list[Path]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in [*pythonpath, PROJECT])}
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "serve", "--port", str(port)]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    return process, f"http://127.0.0.1:{port}"


def site_shown(base: str) -> str | None:
    page = fetch(base + "/news/")
    return page if "zqnews" in page and NOTICE_TITLE not in page else None


def test_a_failed_first_build_that_is_no_content_error_is_said_so_and_retried_on_save(tmp_path):
    (tmp_path / "project").mkdir()
    root = new_project(
        tmp_path / "project",
        {"content/data/wards.csv": WARDS_CSV, "content/issues/wards.md": ISSUE_PAGE, "content/news/n.md": NEWS},
    )
    # A broken install: the package that carries the charts' Japanese font has no font file.
    broken = tmp_path / "broken" / "matplotlib_fontja"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("")
    log = tmp_path / "serve.log"
    process, base = serve(root, log, [broken.parent])
    try:
        page = wait_for(lambda: fetch(base + "/"), 60, "the preview to answer")
        assert NOTICE_TITLE in page and "Directory listing" not in page
        assert "内容の誤りではない理由で" in page
        assert "グラフ用の日本語フォントがありません" in page  # the error itself, in Japanese
        assert "fetch('/__build__'" in page  # it reloads by itself
        assert NOTICE_TITLE in fetch(base + "/news/")  # every page, not only the home page
        output = log.read_text(encoding="utf-8")
        assert "no Japanese font for the charts" in output
        assert "the preview starts once the content is valid" not in output
        assert "the build failed, and not because of the content" in output

        shutil.rmtree(broken.parent)  # reinstalled; then an editor saves a file
        version = fetch(base + "/__build__")
        (root / "content/news/n.md").write_text(NEWS + "追記です。\n", encoding="utf-8")
        wait_for(lambda: site_shown(base), 60, "the site after the save")
        assert fetch(base + "/__build__") != version
        assert NOTICE_TITLE not in fetch(base + "/")
    finally:
        stop(process)


def test_a_content_error_before_the_first_build_lists_the_errors_on_the_page(tmp_path):
    (tmp_path / "project").mkdir()
    root = new_project(tmp_path / "project", {"content/news/n.md": NEWS.replace("2026-10-01T10:00", "2026-13-01")})
    log = tmp_path / "serve.log"
    process, base = serve(root, log, [])
    try:
        page = wait_for(lambda: fetch(base + "/"), 60, "the preview to answer")
        assert NOTICE_TITLE in page and "Directory listing" not in page
        assert "内容に誤りがあるため" in page and "content/news/n.md:3: date: " in page
        assert "the preview starts once the content is valid" in log.read_text(encoding="utf-8")

        (root / "content/news/n.md").write_text(NEWS, encoding="utf-8")
        wait_for(lambda: site_shown(base), 60, "the site after the fix")
    finally:
        stop(process)
