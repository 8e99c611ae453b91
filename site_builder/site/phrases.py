"""Japanese line breaking between phrases (BudouX), for headings and short texts."""

from __future__ import annotations

import functools

import budoux
from markupsafe import Markup


@functools.cache
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def phrases(value: object) -> Markup:
    """``value`` escaped, with ``<wbr>`` between its phrases, so that a Japanese heading wraps
    between phrases, never inside a word, where ``word-break: auto-phrase`` is not supported
    (theme/assets/site.css keeps other breaks out with ``word-break: keep-all``)."""
    return Markup("<wbr>").join(_parser().parse(str(value)))  # join escapes each part
