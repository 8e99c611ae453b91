"""ruff, as configured in pyproject.toml, finds nothing; every ``noqa`` says why."""

from __future__ import annotations

import re
import subprocess
import sys
import tokenize

from tests.conftest import PROJECT

CHECKED = ["site_builder", "tests", "bench"]
# A suppression names its rule and gives its reason on the same line.
REASONED_NOQA = re.compile(r"#\s*noqa:\s*[A-Z]+\d+(?:,\s*[A-Z]+\d+)*\s+\S")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args, *CHECKED], cwd=PROJECT, capture_output=True, text=True)


def test_ruff_check_finds_nothing():
    result = ruff("check", "--no-cache", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    result = ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def comments(path) -> list[tuple[int, str]]:
    with open(path, encoding="utf-8") as stream:
        tokens = tokenize.generate_tokens(stream.readline)
        return [(token.start[0], token.string) for token in tokens if token.type == tokenize.COMMENT]


def test_every_noqa_gives_a_reason():
    unexplained = [
        f"{path.relative_to(PROJECT)}:{number}: {text}"
        for folder in CHECKED
        for path in sorted((PROJECT / folder).rglob("*.py"))
        for number, text in comments(path)
        if "noqa" in text and not REASONED_NOQA.search(text)
    ]
    assert unexplained == []
    assert REASONED_NOQA.search("# noqa: E402 imported after sys.path is set")
    assert not REASONED_NOQA.search("# noqa: E731")
