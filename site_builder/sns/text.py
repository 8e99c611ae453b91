"""How each network counts the length of a post, and how generated posts are made to fit.

X counts by weight with twitter-text-parser (a URL weighs 23); Bluesky counts
grapheme clusters (``regex`` ``\\X``) and UTF-8 bytes; Mastodon counts grapheme
clusters with every URL as 23; Facebook takes the link beside the message.
Generated text is shortened at 。 or 、 (else at a grapheme boundary) with …;
URLs and hashtags are never cut, only left out whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import regex

from site_builder.content.post_length import LIMITS, URL, fits

ELLIPSIS = "…"
_HASHTAG = re.compile(r"(?:^|(?<=\s))#([^\s#]+)")


@dataclass(frozen=True)
class Draft:
    """The parts of a generated post, in the order they are printed.

    ``lead`` (e.g. 【明日開催】) sticks to the title; ``when`` is the event's date
    line; ``link`` is left out of the text for Facebook, which takes it beside.
    """

    title: str
    summary: str
    link: str
    hashtags: tuple[str, ...] = ()
    lead: str = ""
    when: str = ""


def assemble(draft: Draft, with_link: bool = True) -> str:
    lines = [draft.lead + draft.title]
    for part in (draft.when, draft.summary, draft.link if with_link else ""):
        if part:
            lines.append(part)
    if draft.hashtags:
        lines.append(" ".join("#" + tag for tag in draft.hashtags))
    return "\n".join(lines)


def compose(network: str, draft: Draft, mastodon_limit: int = LIMITS["mastodon"]) -> str:
    """The generated text of ``draft`` for ``network``, shortened until it fits.

    Shortening order: the summary (at 。/、, else a grapheme boundary), then the
    summary altogether, hashtags from the last, the date line, and last the title.
    The link and the hashtags that stay are never cut.
    """
    with_link = network != "facebook"

    def ok(candidate: Draft) -> bool:
        return fits(network, assemble(candidate, with_link), mastodon_limit)

    if ok(draft):
        return assemble(draft, with_link)
    summary = shorten(draft.summary, lambda s: ok(replace(draft, summary=s)))
    if summary is not None:
        return assemble(replace(draft, summary=summary), with_link)
    draft = replace(draft, summary="")
    while draft.hashtags and not ok(draft):
        draft = replace(draft, hashtags=draft.hashtags[:-1])
    if not ok(draft):
        draft = replace(draft, when="")
    if not ok(draft):
        title = shorten(draft.title, lambda t: ok(replace(draft, title=t)))
        draft = replace(draft, title=title or ELLIPSIS)
    return assemble(draft, with_link)


def shorten(text: str, accept) -> str | None:
    """The longest ``text[:cut] + …`` that ``accept`` takes, cut at 。 or 、 when any
    such cut is accepted, else at a grapheme boundary; ``None`` when none is."""
    for cut in sorted((i for i, ch in enumerate(text) if ch in "。、"), reverse=True):
        candidate = text[:cut] + ELLIPSIS
        if cut > 0 and accept(candidate):
            return candidate
    clusters = regex.findall(r"\X", text)
    low, high, best = 1, len(clusters) - 1, None
    while low <= high:  # the accepted lengths form a prefix: bisect
        middle = (low + high) // 2
        candidate = "".join(clusters[:middle]).rstrip() + ELLIPSIS
        if accept(candidate):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def with_link(network: str, text: str, link: str, mastodon_limit: int = LIMITS["mastodon"]) -> str:
    """A hand-written text with the item's link appended when it is not in the
    text already and still fits (X, Mastodon, Bluesky); else the text as written."""
    if network == "facebook" or link in text:
        return text
    longer = f"{text}\n{link}"
    return longer if fits(network, longer, mastodon_limit) else text


def facets(text: str) -> list[dict]:
    """Bluesky rich-text facets: links and hashtags at UTF-8 byte offsets."""
    found = []
    for match in URL.finditer(text):
        found.append(
            _facet(text, match.start(), match.end(), {"$type": "app.bsky.richtext.facet#link", "uri": match.group()})
        )
    for match in _HASHTAG.finditer(text):
        found.append(
            _facet(text, match.start(), match.end(), {"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)})
        )
    return sorted(found, key=lambda f: f["index"]["byteStart"])


def _facet(text: str, start: int, end: int, feature: dict) -> dict:
    byte_start = len(text[:start].encode("utf-8"))
    byte_end = byte_start + len(text[start:end].encode("utf-8"))
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def comparable(text: str) -> str:
    """Text reduced for matching a post read back from a network: no URLs (X wraps
    them in t.co) and no white space (networks trim and re-wrap)."""
    return re.sub(r"\s+", "", URL.sub("", text))


def preview(text: str, width: int = 40) -> str:
    """One line of at most ``width`` graphemes, for the queue view."""
    clusters = regex.findall(r"\X", " ".join(text.split()))
    return "".join(clusters[:width]) + (ELLIPSIS if len(clusters) > width else "")
