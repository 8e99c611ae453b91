"""The command line's own words: help for every command and option in Japanese (and
English with ``--lang en``), argparse's words replaced, and a closed pipe that ends quietly."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys

import pytest

from site_builder.cli import build_parser, main
from site_builder.commands.parser import display_width
from site_builder.content.i18n import japanese
from tests.conftest import PROJECT
from tests.sns_servers import NEWS, sns_project

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ELSEWHERE: set[str] = set()


def helps(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """``(where, help)`` of every option, argument and subcommand under ``parser``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest not in ELSEWHERE:
                    yield (*path, choice.dest), choice.help
            for name, sub in action.choices.items():
                if name not in ELSEWHERE:
                    yield from helps(sub, (*path, name))
        else:
            yield (*path, "/".join(action.option_strings) or action.dest), action.help


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name not in ELSEWHERE:
                    yield from parsers(sub, (*path, name))


def test_every_command_and_option_has_help_in_japanese_and_english():
    found = dict(helps(build_parser()))
    assert ("serve", "--host") in found and ("check",) in found and ("newsletter", "send", "--out") in found
    for where, help_text in found.items():
        assert help_text, f"{where}: no help"
        assert str(help_text).strip(), f"{where}: no English help"
        assert JAPANESE.search(japanese(help_text)), f"{where}: no Japanese in {help_text!r}"


def help_of(capsys, *args: str) -> str:
    with pytest.raises(SystemExit):
        main([*args, "--help"])
    return capsys.readouterr().out


def test_argparse_words_follow_the_language(capsys):
    for path, _ in parsers(build_parser()):
        text = help_of(capsys, "--lang", "ja", *path)
        assert text.startswith("使い方: site-builder")
        assert "オプション:" in text and "このヘルプを表示して終わります" in text
        assert "usage:" not in text and "show this help message" not in text and "options:" not in text
    text = help_of(capsys, "--lang", "en", "serve")
    assert text.startswith("usage: site-builder serve") and "show this help message and exit" in text
    assert not JAPANESE.search(text)


def test_japanese_help_is_wrapped_by_screen_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    text = help_of(capsys, "--lang", "ja", "sns", "post")
    assert "\n" in text and not [line for line in text.splitlines() if display_width(line) > 60]
    assert not any(line.lstrip().startswith(("、", "。", "）")) for line in text.splitlines())


def test_argparse_errors_in_japanese(run_cli, capsys):
    with pytest.raises(SystemExit) as exit_:
        run_cli("--lang", "ja", "serve", "--port", "x")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "site-builder serve: エラー: --port: 'x' は正しい値ではありません" in err and "使い方:" in err
    with pytest.raises(SystemExit):
        run_cli("--lang", "ja", "newsletter", "send")
    assert "次の指定が必要です: --edition, --subscribers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli("newsletter", "send")
    assert "error: the following arguments are required: --edition, --subscribers" in capsys.readouterr().err


def test_a_closed_pipe_ends_without_a_traceback(tmp_path):
    """`site-builder sns plan --json | head -1`: the reader goes away before the output is written."""
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x", "facebook", "mastodon"])
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "sns", "plan", "--json"]
    process = subprocess.Popen(
        [*command, "--now", "2026-11-02T00:00"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT,
    )
    process.stdout.close()  # before the command has loaded the content: its first write meets a closed pipe
    _, err = process.communicate(timeout=120)
    assert err.decode() == ""
    assert process.returncode == 141  # 128 + SIGPIPE, as the shell reports a command whose reader went away


def test_a_pipe_closed_after_the_first_line_ends_quietly(tmp_path):
    root = sns_project(tmp_path, {"content/news/hello.md": NEWS}, sns_networks=["x", "facebook", "mastodon"])
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "sns", "plan", "--json"]
    result = subprocess.run(
        ["bash", "-c", shlex.join(command) + " --now 2026-11-02T00:00 | head -1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
    )
    assert result.stdout == "{\n" and result.stderr == ""
