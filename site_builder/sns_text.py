"""How each network counts the length of a post, and its limit."""

from __future__ import annotations

import re

import regex
from twitter_text import parse_tweet

NETWORKS = ("x", "facebook", "mastodon", "bluesky")
LIMITS = {"x": 280, "facebook": 63206, "mastodon": 500, "bluesky": 300}
BLUESKY_MAX_BYTES = 3000
URL_WEIGHT = 23
_URL = re.compile(r"https?://[^\s　「」『』（）()<>]+")


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def measure(network: str, text: str, mastodon_limit: int = LIMITS["mastodon"]) -> tuple[int, int]:
    """``(length, limit)`` of ``text`` as ``network`` counts it."""
    if network == "x":
        return parse_tweet(text).weightedLength, LIMITS["x"]
    if network == "mastodon":
        return graphemes(_URL.sub("x" * URL_WEIGHT, text)), mastodon_limit
    if network == "bluesky":
        return graphemes(text), LIMITS["bluesky"]
    return len(text), LIMITS["facebook"]


def overflow(network: str, text: str, mastodon_limit: int = LIMITS["mastodon"]) -> str | None:
    """Why ``text`` cannot be posted to ``network``, or ``None`` when it fits."""
    length, limit = measure(network, text, mastodon_limit)
    if length > limit:
        unit = "weighted characters" if network == "x" else "characters"
        return f"text is {length} {unit}, over {network}'s limit of {limit}"
    if network == "bluesky" and len(text.encode("utf-8")) > BLUESKY_MAX_BYTES:
        return f"text is {len(text.encode('utf-8'))} bytes, over bluesky's limit of {BLUESKY_MAX_BYTES}"
    return None
