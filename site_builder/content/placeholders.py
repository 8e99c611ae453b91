"""Placeholders: the text ``site-builder new`` writes for the editor to replace.

The rule, the same everywhere (README, "How editors add content"):

* A placeholder is written ``【要記入：…】`` ("to be filled in"), the words inside
  saying what to write there: ``summary: 【要記入：概要を1〜2文で…】``. It may stand
  for a whole value, part of the body, a cell of a CSV, or sit in a YAML comment
  beside a value that ``new`` had to guess (``status: planning  # 【要記入：…】``).
* Any line that still holds ``【要記入：`` is unfinished. A draft (``draft: true``)
  may keep them; ``check`` refuses any other file that does, naming the field (or
  ``body``) and the line. The editor replaces the mark with the real text, or, in a
  comment, checks the value and deletes the comment.

:func:`placeholder` writes the mark, :func:`find` finds it; nothing else knows its shape.
"""

from __future__ import annotations

import re

from site_builder.content.checking import Checking
from site_builder.content.frontmatter import SourceFile, format_loc
from site_builder.content.i18n import Bilingual, bi

MARK = "【要記入："  # with its colon, exactly as `new` writes it: 「【要記入】欄」 in a page is ordinary text
_SHOWN = 80  # characters of a long placeholder shown in the message
_MARKED = re.compile(MARK + rf"[^】\n]{{0,{_SHOWN}}}】?")
FRONT_MATTER_LINE = 2  # the front matter starts on the line after the opening '---'


def placeholder(hint: str) -> str:
    """The mark for text the editor must write: ``【要記入：<hint>】``."""
    return f"{MARK}{hint}】"


def find(text: str) -> str | None:
    """The first placeholder in ``text`` (as written, at most about 80 characters), or ``None``."""
    if MARK not in text:
        return None
    shown = _MARKED.search(text)[0]
    return shown if shown.endswith("】") or len(shown) < len(MARK) + _SHOWN else shown + "…"


def message(found: str) -> Bilingual:
    """Why a file that is not a draft may not keep ``found``, and what to do."""
    return bi(
        f"still the placeholder that `new` wrote ({found}): write the real text in its place and remove "
        "the 【要記入…】 mark (in a comment: check the value, then delete the comment), "
        "or set draft: true until it is ready",
        f"まだ仮の文章です（new が書いた見本 {found} のまま）。本当の内容に書き換えて、【要記入…】の印を消してください"
        "（# の後ろにある印は、値を確かめてから # ごと消します）。まだ公開しないなら draft: true にしてください",
    )


def placeholders_of(source: SourceFile) -> list[tuple[int, str, str]]:
    """``(line, field, placeholder)`` for every line of ``source`` that holds one;
    the field is the front-matter field the line belongs to (``partners[0].name``) or ``body``."""
    if MARK not in source.front_matter and MARK not in source.body:
        return []
    found = []
    for offset, text in enumerate(source.front_matter.split("\n")):
        hit = find(text)
        if hit:
            line = FRONT_MATTER_LINE + offset
            found.append((line, field_at(source, line), hit))
    for offset, text in enumerate(source.body.split("\n")):
        hit = find(text)
        if hit:
            found.append((source.body_line + offset, "body", hit))
    return found


def field_at(source: SourceFile, line: int) -> str:
    """The front-matter field written on ``line``, or the one whose value goes on there
    (the deepest of those that start last at or before it)."""
    best: tuple = ()
    best_line = 0
    for loc, start in source.lines.items():
        if loc and start <= line and (start, len(loc)) > (best_line, len(best)):
            best, best_line = loc, start
    return format_loc(best)


def check_placeholders(checking: Checking) -> None:
    """The content check (registered in the pipeline): no file but a draft keeps a placeholder.
    The CSVs of issue pages are checked with their charts (``issues/datasets.py``)."""
    for entry in [*checking.content.all(), *checking.content.editions]:
        if entry.meta.draft or (checking.only is not None and entry.path not in checking.only):
            continue
        for line, field_name, found in placeholders_of(entry.source):
            checking.reporter.error(entry.path, line, field_name, message(found))
