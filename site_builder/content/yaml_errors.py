"""YAML mistakes in front matter, at the editor's line and in the editor's words.

PyYAML names its own state ("could not find expected ':'", "found character '\\t'
that cannot start any token") and often points at the line after the mistake. Here:

- :func:`find_slips`: typing slips a line shows by itself: a full-width colon
  (``title：横浜``), a tab or a full-width space in the indentation, no space after
  ``:`` (``title:横浜``). They are named whenever YAML fails on the lines around them,
  and they explain a missing or strange field when YAML read the slip as text
  (:func:`explain`).
- :func:`syntax_problems`: a YAML error as ``(line, message)`` pairs: the slips on the
  lines the broken part spans, else one plain message at the line where it begins.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

import yaml

from site_builder.content.i18n import Bilingual, bi

Loc = tuple[str | int, ...]

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"  # a field name as the content format spells them
_LEAD = re.compile(r"[ \t\u3000]*(?:-[ \t\u3000]+)*")  # indentation, and the '- ' of list entries
_FULL_WIDTH_COLON = re.compile(rf"({_KEY})[ \u3000]*：[ \u3000]*(.*)")
_NO_SPACE = re.compile(rf"({_KEY}):(?![ ]|$)(.*)")
_FIELD_LINE = re.compile(r":(?:[ \t]|$)")  # YAML's 'field:' needs a space or the line's end after ':'
_KEY_BEFORE_COLON = re.compile(rf"[ \t]*(?:-[ \t]+)*{_KEY}[ \t]*")
_TEXT_AFTER_QUOTE_LINE = re.compile(r":[ \t]+([\"']).*\1[ \t]*[^ \t#]")
_EXAMPLE_CHARS = 30
_QUOTED_CHARS = 60


@dataclass(frozen=True)
class Slip:
    """A typing slip on one line (counted in the whole file); ``key`` is the field it was meant for."""

    line: int
    key: str | None
    message: Bilingual


def find_slips(text: str, first_line: int = 1) -> list[Slip]:
    """Every line of ``text`` (its first line being ``first_line``) with a typing slip."""
    found = []
    for row, line in enumerate(text.split("\n")):
        slip = _slip(line)
        if slip:
            found.append(Slip(row + first_line, *slip))
    return found


def _slip(line: str) -> tuple[str | None, Bilingual] | None:
    lead = _LEAD.match(line).group()
    rest = line[len(lead) :]
    key = re.match(rf"{_KEY}(?=[ \t\u3000]*[:：])", rest)
    if "\t" in lead:
        return key and key.group(), bi(
            "a tab is used for indentation on this line; indent with spaces",
            "この行の字下げにタブが使われています。タブではなく半角スペースで字下げしてください",
        )
    if "\u3000" in lead and (lead.strip(" \u3000") or key):
        return key and key.group(), bi(
            "a full-width space is used for indentation on this line; indent with half-width spaces",
            "この行の字下げに全角スペースが使われています。半角スペースで字下げしてください",
        )
    match = _FULL_WIDTH_COLON.fullmatch(rest)
    if match:
        key, example = match.group(1), _example(*match.groups())
        return key, bi(
            f"full-width colon '：'; write a half-width ':' ({example})",
            f"全角の「：」を半角の「:」にしてください（例: {example}）",
        )
    match = _NO_SPACE.fullmatch(rest)
    if not match or match.group(2).startswith("/"):  # https://…: an address, not a field
        return None
    key, value = match.groups()
    example = _example(key, value)
    if value[0] == "\t":
        return key, bi(
            f"a tab after ':'; write a space ({example})",
            f"「:」のあとがタブになっています。半角スペースにしてください（例: {example}）",
        )
    if value[0] == "\u3000":
        return key, bi(
            f"the space after ':' is full-width; write a half-width space ({example})",
            f"「:」のあとのスペースが全角です。半角スペースにしてください（例: {example}）",
        )
    return key, bi(
        f"put a space after ':' ({example})",
        f"「:」のあとに半角スペースを入れてください（例: {example}）",
    )


def _example(key: str, value: str) -> str:
    """``title: 横浜``: the line as it should read (a long value shortened)."""
    value = value.strip(" \t\u3000")
    if len(value) > _EXAMPLE_CHARS:
        value = value[:_EXAMPLE_CHARS] + "…"
    return f"{key}: {value}".rstrip()


def explain(
    slips: list[Slip], problems: list[tuple[int, Loc, str]], located: Container[Loc]
) -> list[tuple[int, Loc, str]]:
    """``problems`` (line, location, message) of a front matter YAML could read, with
    those a slip accounts for replaced by the slip: a field missing because its line
    was read as text (``title:横浜``), an unknown field whose name holds the slip
    (``'　title'``, ``'title:横浜 date'``). ``located`` holds the locations present."""
    named: dict[int, Slip] = {}
    kept = []
    for line, loc, message in problems:
        slip = _explaining(slips, line, loc, located)
        if slip is None:
            kept.append((line, loc, message))
        else:
            named[slip.line] = slip
    return [(slip.line, (), slip.message) for slip in named.values()] + kept


def _explaining(slips: list[Slip], line: int, loc: Loc, located: Container[Loc]) -> Slip | None:
    name = loc[-1] if loc else None
    if not isinstance(name, str):
        return None
    for slip in slips:
        if slip.key == name and loc not in located:
            return slip
        if slip.line == line and any(char in name for char in ":：\t\u3000"):
            return slip
    return None


def syntax_problems(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> list[tuple[int, Bilingual]]:
    """A YAML syntax error as ``(line, message)`` pairs, lines counted from ``first_line``."""
    lines = text.split("\n")
    last = max(len(lines) - 1, 0)
    mark = exc.problem_mark or exc.context_mark
    row = min(mark.line, last) if mark else 0
    context_row = min(exc.context_mark.line, last) if exc.context_mark else None
    slips = {slip.line: slip for slip in find_slips(text, 0)}
    start, named, message = _plain(exc, lines, row, context_row, slips)
    near = [slip for at, slip in sorted(slips.items()) if start <= at <= max(row, named)]
    if near:
        return [(slip.line + first_line, slip.message) for slip in near]
    return [(named + first_line, message)]


def _plain(
    exc: yaml.MarkedYAMLError, lines: list[str], row: int, context_row: int | None, slips: dict[int, Slip]
) -> tuple[int, int, Bilingual]:
    """``(first row the broken part spans, row to name, message)``; the part ends on ``row``."""
    problem, context = exc.problem or "", exc.context or ""
    start = row if context_row is None else min(context_row, row)
    if "'\\t'" in problem:
        return row, row, _TAB
    character = re.match(r"found character '(.)' that cannot start any token", problem)
    if character:
        return (
            row,
            row,
            _quote_it(
                f"a value cannot start with '{character[1]}'",
                f"値を「{character[1]}」で始めることはできません",
                lines[row],
                character[1],
            ),
        )
    if context_row is not None and context == "while scanning a quoted scalar":
        return context_row, context_row, _UNCLOSED_QUOTE
    if context_row is not None and context.startswith("while parsing a flow") and problem.startswith("expected ','"):
        pair = ("[", "]") if "sequence" in context else ("{", "}")
        return context_row, context_row, _unclosed(*pair)
    if context_row is not None and problem == "could not find expected ':'":
        return context_row, context_row, _NO_COLON
    if problem == "mapping values are not allowed here":
        return _colon_in_the_way(lines, row, exc.problem_mark.column if exc.problem_mark else 0, slips)
    if problem.startswith("expected <block end>, but found '<scalar>'") and _TEXT_AFTER_QUOTE_LINE.search(lines[row]):
        return start, row, _TEXT_AFTER_QUOTE
    if problem.startswith(("expected <block end>", "did not find expected key", "did not find expected '-'")):
        return start, row, _INDENTATION
    if problem == "sequence entries are not allowed here":
        return row, row, _LIST_ON_FIELD_LINE
    return start, row, _UNREADABLE


def _colon_in_the_way(lines: list[str], row: int, column: int, slips: dict[int, Slip]) -> tuple[int, int, Bilingual]:
    """A ': ' YAML met inside a value. The value began on an earlier line when the lines
    above it had no 'field:' (YAML joined them): a line without ':' or with a slip."""
    start, field_above = row, False
    for above in range(row - 1, -1, -1):
        stripped = lines[above].strip()
        if not stripped:
            continue
        if above not in slips and (stripped.startswith(("#", "-")) or _FIELD_LINE.search(stripped)):
            field_above = not stripped.startswith("#")
            break
        start = above
    if start < row and not field_above:
        return start, start, _NO_COLON
    before = lines[row][:column]
    if _KEY_BEFORE_COLON.fullmatch(before) and not _FIELD_LINE.search(before):
        return start, row, _INDENTATION
    return start, row, _quote_it("the value contains ': '", "値の中に「: 」があります", lines[row])


def _quote_it(english: str, japanese: str, line: str, starting: str = "") -> Bilingual:
    """``english``/``japanese`` (what is wrong), then: put the value in quotes, with
    ``line`` so written as the example when it is one field whose value starts with ``starting``."""
    match = re.match(rf"[ \t]*(?:-[ \t]+)?({_KEY}):[ \t]+(.+?)[ \t]*$", line)
    key, value = match.groups() if match else ("", "")
    if not value.startswith(starting) or '"' in value or len(value) > _QUOTED_CHARS:
        return bi(f"{english}; put the value in quotes", f'{japanese}。値全体を " " で囲んでください')
    example = f'{key}: "{value}"'
    return bi(
        f"{english}; put the value in quotes ({example})",
        f'{japanese}。値全体を " " で囲んでください（例: {example}）',
    )


def _unclosed(opening: str, closing: str) -> Bilingual:
    return bi(
        f"'{opening}' is not closed; end it with '{closing}' on the same line, "
        "or put the value in quotes if it is text",
        f"「{opening}」が「{closing}」で閉じられていません。同じ行の終わりに「{closing}」を書くか、"
        '文字として書くなら値全体を " " で囲んでください',
    )


_TAB = bi(
    "a tab character on this line; use spaces instead",
    "この行にタブ文字があります。タブではなく半角スペースを使ってください",
)
_UNCLOSED_QUOTE = bi(
    "a quote (\" or ') is not closed; end the value with the same quote on this line",
    "引用符（\" または '）が閉じられていません。値の終わりにも同じ引用符を書いてください",
)
_NO_COLON = bi(
    "this line is not 'field: value'; write the field name, ':' and a space, then the value (title: 横浜)",
    "この行が「項目名: 値」の形になっていません。"
    "title: 横浜 のように、項目名のあとに半角の「:」と半角スペースを書いてください",
)
_INDENTATION = bi(
    "the indentation (spaces at the start of the line) does not match the lines above; "
    "line it up with the fields or '- ' entries it belongs with",
    "行頭のスペース（字下げ）が上の行とそろっていません。同じ階層の項目や「- 」の行と位置をそろえてください",
)
_TEXT_AFTER_QUOTE = bi(
    "there is text after the closing quote; put the whole value in quotes",
    "引用符を閉じたあとに文字が続いています。値全体を引用符で囲んでください",
)
_LIST_ON_FIELD_LINE = bi(
    "a '- ' entry cannot follow 'field:' on the same line; write each entry on its own line below, indented",
    "「- 」で始まる項目は「項目名:」と同じ行には書けません。次の行から字下げして 1 行に 1 つずつ書いてください",
)
_UNREADABLE = bi(
    "this line cannot be read; check its quotes, brackets, ':' and indentation",
    "この行を読み取れません。引用符、かっこ、「:」、字下げを確認してください",
)
