"""Where a Japanese heading may wrap (site/phrases.py): BudouX's phrases, made safe for headings."""

from __future__ import annotations

import pytest

from site_builder.site.phrases import phrases, split


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        # a number stays whole (BudouX alone gives 第1|5回)
        ("第15回オープンダイアログ", ["第15回", "オープンダイアログ"]),
        # a phrase too long for a phone's line also breaks before its katakana word
        ("横浜市市民協働推進センターのウェブサイト", ["横浜市市民協働推進", "センターの", "ウェブサイト"]),
        # a closing quote never starts a line
        ('"つながる" 子ども食堂', ['"つながる"', " 子ども", "食堂"]),
        ("協働の相手を探したい", ["協働の", "相手を", "探したい"]),
    ],
)
def test_headings_break_between_phrases_only(text, pieces):
    assert split(text) == tuple(pieces)
    assert "".join(split(text)) == text


def test_phrases_are_escaped_and_joined_with_wbr():
    assert str(phrases("「食」&「学び」 <b>")) == "「食」&amp;<wbr>「学び」<wbr> &lt;b&gt;"
    assert str(phrases("")) == ""
