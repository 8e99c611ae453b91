"""Japanese line breaking between phrases (BudouX), for headings and short texts."""

from __future__ import annotations

import functools

import budoux
import regex
from markupsafe import Markup

# A phrase longer than this may still not fit a phone's line at heading size (横浜市市民協働推進センターの):
# it may also break where its script changes, before a katakana word (横浜市市民協働推進|センターの).
LONG_PHRASE = 8
_SCRIPT_CHANGE = regex.compile(r"(?<=[\p{Han}\p{Hiragana}])(?=\p{Katakana})|(?<=\p{Katakana})(?=\p{Han})")
_WORD_CHARACTER = regex.compile(r"[\p{Latin}\p{Nd}]")
# What closes a phrase must not start a line: closing brackets, commas, and a straight quote
# followed by a space or the end (BudouX's model knows only Japanese quotes).
_CLOSING = regex.compile(r"^(?:[」』）)\]、。，．]+|[\"'](?=\s|$))")


@functools.cache
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


@functools.lru_cache(maxsize=1 << 16)  # a card's title is split on every list and facet page it is on
def split(value: str) -> tuple[str, ...]:
    """``value`` in the pieces a line may break between: BudouX's phrases, never inside a
    number or a Latin word (第15回, not 第1|5回), long phrases also where Han and katakana meet."""
    if len(value) <= LONG_PHRASE:  # a short label (協働事例) fits any line whole
        return (value,) if value else ()
    pieces: list[str] = []
    for phrase in _parser().parse(value):
        closing = _CLOSING.match(phrase)
        if pieces and closing:
            pieces[-1] += closing[0]
            phrase = phrase[closing.end() :]
        if pieces and _WORD_CHARACTER.match(phrase[:1]) and _WORD_CHARACTER.match(pieces[-1][-1:]):
            pieces[-1] += phrase
        elif phrase:
            pieces.append(phrase)
    found = []
    for piece in pieces:
        found += _SCRIPT_CHANGE.split(piece) if len(piece) > LONG_PHRASE else [piece]
    return tuple(piece for piece in found if piece)


def phrases(value: object) -> Markup:
    """``value`` escaped, with ``<wbr>`` between its phrases (:func:`split`), so that a Japanese
    heading wraps between phrases, never inside a word, where ``word-break: auto-phrase`` is not
    supported (theme/assets/site.css keeps other breaks out with ``word-break: keep-all``)."""
    return Markup("<wbr>").join(split(str(value)))  # join escapes each part
