"""How each network counts the length of a post: the rule behind ``check``'s error
for a hand-written ``sns`` text that is too long, and behind the generated texts.

X counts by weight with twitter-text-parser (a URL weighs 23); Bluesky counts
grapheme clusters (``regex`` ``\\X``) and UTF-8 bytes; Mastodon counts grapheme
clusters with every URL as 23; Facebook takes the link beside the message.
"""

from __future__ import annotations

import re

import regex

from site_builder.content.i18n import Bilingual, bi

NETWORKS = ("x", "facebook", "mastodon", "bluesky")
LIMITS = {"x": 280, "facebook": 63206, "mastodon": 500, "bluesky": 300}
BLUESKY_MAX_BYTES = 3000
URL_WEIGHT = 23
URL = re.compile(r"https?://[^\s　「」『』（）()<>]+")


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def measure(network: str, text: str, mastodon_limit: int = LIMITS["mastodon"]) -> tuple[int, int]:
    """``(length, limit)`` of ``text`` as ``network`` counts it."""
    if network == "x":
        from twitter_text import parse_tweet  # a quarter of a second to import: only when a post is measured

        return parse_tweet(text).weightedLength, LIMITS["x"]
    if network == "mastodon":
        return graphemes(URL.sub("x" * URL_WEIGHT, text)), mastodon_limit
    if network == "bluesky":
        return graphemes(text), LIMITS["bluesky"]
    return len(text), LIMITS["facebook"]


NAMES = {"x": "X", "facebook": "Facebook", "mastodon": "Mastodon", "bluesky": "Bluesky"}
# How each network counts, said to the editor.
_COUNTING = {
    "x": "日本語は1文字を2、URL は長さによらず23と数えます",
    "mastodon": "URL は長さによらず23文字と数えます",
}


def overflow(network: str, text: str, mastodon_limit: int = LIMITS["mastodon"]) -> Bilingual | None:
    """Why ``text`` cannot be posted to ``network``, or ``None`` when it fits."""
    length, limit = measure(network, text, mastodon_limit)
    name = NAMES[network]
    if length > limit:
        unit = "weighted characters" if network == "x" else "characters"
        counting = f"（{_COUNTING[network]}）" if network in _COUNTING else ""
        per = "" if network == "x" else "文字"
        return bi(
            f"text is {length} {unit}, over {network}'s limit of {limit}",
            f"投稿文が長すぎます。{name} は {limit}{per}までですが、この文は {length}{per}あります{counting}。"
            f"{length - limit}{per}減らしてください。",
        )
    size = len(text.encode("utf-8"))
    if network == "bluesky" and size > BLUESKY_MAX_BYTES:
        return bi(
            f"text is {size} bytes, over bluesky's limit of {BLUESKY_MAX_BYTES}",
            f"投稿文が長すぎます。{name} はデータの大きさが {BLUESKY_MAX_BYTES} バイトまでですが、"
            f"この文は {size} バイトあります。短くしてください。",
        )
    return None


def fits(network: str, text: str, mastodon_limit: int = LIMITS["mastodon"]) -> bool:
    return overflow(network, text, mastodon_limit) is None
