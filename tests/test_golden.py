"""The sample site, built with the real engine, matches tests/golden/ exactly."""

from __future__ import annotations

from pathlib import Path

from tests.golden import GOLDEN, build_sample, reduce


def test_sample_site_matches_golden(tmp_path: Path):
    built = reduce(build_sample(tmp_path))
    expected = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*") if p.is_file()
    }
    assert sorted(built) == sorted(expected), "file list differs: run `make golden` if the change is intended"
    for name in sorted(expected):
        assert built[name] == expected[name], f"{name} differs from tests/golden/: run `make golden` if intended"
