"""The parser every command uses: help, usage and argparse's own words in the run's language.

Help texts are written with :func:`~site_builder.content.i18n.bi` where the options are
declared; :class:`HelpFormatter` prints them in the language of this run (Japanese by
default), and wraps Japanese by the width it takes on screen (a full-width character
counts two columns). ``--lang`` takes effect as soon as it is read, so
``site-builder --lang en build --help`` prints English help. The few words argparse
adds itself ("usage:", "options", "show this help message and exit", the common
errors) are replaced here, without gettext.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from typing import NoReturn

from site_builder.content.i18n import ERROR, Bilingual, bi, set_language, text

USAGE = bi("usage: ", "使い方: ")
POSITIONALS = bi("positional arguments", "引数")
OPTIONALS = bi("options", "オプション")
HELP = bi("show this help message and exit", "このヘルプを表示して終わります")

# argparse's own error messages (Python 3.11 wording) and their Japanese.
ARGPARSE_ERRORS = (
    (re.compile(r"the following arguments are required: (.+)"), r"次の指定が必要です: \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"知らない指定です: \1（--help で使える指定を確かめてください）"),
    (
        re.compile(r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)"),
        r"\1: \2 は選べません。\3 から選んでください",
    ),
    (re.compile(r"argument (.+?): expected one argument"), r"\1: 値が1つ必要です（例: \1 値）"),
    (re.compile(r"argument (.+?): invalid (\w+) value: (.+)"), r"\1: \3 は正しい値ではありません"),
    (re.compile(r"argument (.+?): (.+)"), r"\1: \2"),
)
CLOSING = "、。，．）」』：！？),.:;"  # never at the start of a line
OPENING = "（「『"  # never at the end of a line


def display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in line)


def wrap(paragraph: str, width: int) -> list[str]:
    """``paragraph`` in lines of at most ``width`` columns: English breaks between words,
    Japanese between characters (never before a closing mark such as 。 or ）, never
    after an opening one such as （)."""
    units = re.findall(r"[!-~]+ *| +|.", " ".join(paragraph.split()))
    lines: list[str] = []
    line = ""
    for unit in units:
        if line and unit[0] not in CLOSING and display_width((line + unit).rstrip()) > width:
            carried = line[-1] if line[-1] in OPENING and len(line) > 1 else ""
            lines.append(line[: len(line) - len(carried)].rstrip())
            line = carried + unit.lstrip()
        else:
            line += unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, in this run's language."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return text(action.help) if isinstance(action.help, str) else action.help

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, text(USAGE) if prefix is None else prefix)

    def start_section(self, heading) -> None:
        super().start_section(text(heading) if isinstance(heading, str) else heading)

    def add_text(self, message) -> None:
        super().add_text(text(message) if isinstance(message, Bilingual) else message)

    def _split_lines(self, message: str, width: int) -> list[str]:
        return wrap(message, width)

    def _fill_text(self, message: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(message, width - len(indent)))


class LanguageAction(argparse.Action):
    """``--lang``: chosen at once, so that a later ``--help`` already speaks it."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        set_language(values)
        setattr(namespace, self.dest, values)


class Subcommands(argparse._SubParsersAction):  # argparse registers it as the "parsers" action; extended here
    """``add_subparsers()``: a subcommand's ``--help`` starts with its one-line help."""

    def add_parser(self, name, **kwargs):
        if "help" in kwargs and "description" not in kwargs:
            kwargs["description"] = kwargs["help"]
        return super().add_parser(name, **kwargs)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors are in this run's language; the
    subcommands' parsers are of this class too (argparse makes them with ``type(self)``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self.register("action", "parsers", Subcommands)
        self._positionals.title = POSITIONALS
        self._optionals.title = OPTIONALS
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {text(ERROR)}: {text(translate_error(message))}\n")


def translate_error(message: str) -> Bilingual:
    """One of argparse's errors with its Japanese (the English as it is when it is not one we know)."""
    if isinstance(message, Bilingual):
        return message
    for pattern, japanese in ARGPARSE_ERRORS:
        found = pattern.fullmatch(message)
        if found:
            return bi(message, found.expand(japanese))
    return bi(message, message)
