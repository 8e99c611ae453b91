"""Two builds with the same SOURCE_DATE_EPOCH are byte-identical, whatever the time
zone, hash seed, project folder or Markdown cache state (the real CLI, in subprocesses)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.channel_site import LEAK_MARKERS, make_project

BUILD_TIME = dt.datetime(2020, 7, 20, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
SITE_BUILDER = Path(sys.executable).with_name("site-builder")


def build(project: Path, site: Path, tz: str, hash_seed: str) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_BUILDER_NOW", "SITE_BUILDER_ENGINE")}
    env.update(SOURCE_DATE_EPOCH=str(int(BUILD_TIME.timestamp())), TZ=tz, PYTHONHASHSEED=hash_seed)
    result = subprocess.run(
        [str(SITE_BUILDER), "--root", str(project), "build", "--site-dir", str(site), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path: Path):
    first = make_project(tmp_path / "one" / "project")
    build(first, tmp_path / "one" / "site", "UTC", "1")
    second = tmp_path / "elsewhere" / "copy"
    shutil.copytree(first, second)  # another folder, and a warm Markdown cache
    build(second, tmp_path / "two", "Asia/Tokyo", "4242")
    a, b = files(tmp_path / "one" / "site"), files(tmp_path / "two")
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    names = set(a)
    for expected in (
        "feed.xml",
        "feed.json",
        "events/calendar.ics",
        "api/events.json",
        "sitemap.xml.gz",
        "404.html",
        "pagefind/pagefind-entry.json",
    ):
        assert expected in names, expected
    assert any(name.startswith("pagefind/index/") for name in names)
    assert b"/one/" not in a["feed.xml"] and str(tmp_path).encode() not in b"".join(a.values())
    # SOURCE_DATE_EPOCH was the build time: the items scheduled after it are absent.
    assert not any(marker.encode() in data for data in a.values() for marker in LEAK_MARKERS if marker.isupper())
