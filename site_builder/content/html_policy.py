"""The HTML policy: what a converted body may contain, on every channel.

Editors may write raw HTML in Markdown, and an editor's account can be careless or
taken over, so every body is cleaned by nh3 (the binding of Rust's Ammonia) right
after Markdown conversion, before any channel sees it: site pages (items, issue
pages, newsletter web copies, and editors' ordinary pages after the engine), feeds,
the API and mail. The allowlist covers what editors need: text, headings, lists,
tables (with ``text-align`` only), figures, details, definition lists, footnotes,
images, links, ``id``/``class``/``title``/``lang``. Removed are scripts and styles
(with their content), event handlers (``onclick`` …, also through attr_list
``{: onclick=… }``), forms, objects, and every URL but http(s), mailto, tel and
relative ones: no ``javascript:``, no ``data:`` (images are files beside the
content). An ``<iframe>`` stays only when its ``src`` is https on a host listed in
``html_iframe_hosts``; it then always gets ``sandbox`` and ``loading="lazy"``.

:func:`removed` compares a body before and after cleaning so that ``check`` can
tell an editor, as a warning with file and line, what vanished and why.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from site_builder.content.i18n import Bilingual, bi

TAGS = frozenset(nh3.ALLOWED_TAGS - {"acronym", "area", "center", "map", "strike", "tt"})
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_ANY = {"id", "class", "title", "lang", "dir"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _ANY,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "data": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "col": {"span"},
    "colgroup": {"span"},
    "th": {"colspan", "rowspan", "headers", "scope", "style", "align"},
    "td": {"colspan", "rowspan", "headers", "style", "align"},
    "iframe": {"src", "width", "height", "allow", "allowfullscreen", "referrerpolicy"},
}
STYLE_PROPERTIES = frozenset({"text-align"})  # what Markdown's tables write on th/td
IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation"
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.S)


@dataclass(frozen=True)
class HtmlPolicy:
    """The policy of one build: the iframe hosts come from ``html_iframe_hosts``."""

    iframe_hosts: frozenset[str] = frozenset()

    def clean(self, html_text: str, *, comments: bool = True) -> str:
        """``html_text`` with everything outside the allowlist removed; ``comments`` keeps
        HTML comments (inert, and issue pages place charts at them)."""
        if not html_text:
            return html_text
        tags = TAGS | {"iframe"} if self.iframe_hosts else TAGS
        cleaned = nh3.clean(
            html_text,
            tags=set(tags),
            clean_content_tags={"script", "style"},
            attributes={tag: set(names) for tag, names in ATTRIBUTES.items() if tag in tags or tag == "*"},
            attribute_filter=self._attribute,
            url_schemes=set(URL_SCHEMES),
            link_rel=None,
            filter_style_properties=set(STYLE_PROPERTIES),
            set_tag_attribute_values={"iframe": {"sandbox": IFRAME_SANDBOX, "loading": "lazy"}},
            strip_comments=not comments,
        )
        return _EMPTY_IFRAME.sub("", cleaned) if self.iframe_hosts else cleaned

    def _attribute(self, tag: str, name: str, value: str) -> str | None:
        if tag == "iframe" and name == "src":
            return value if self.allows_frame(value) else None
        return value

    def allows_frame(self, src: str) -> bool:
        parts = urlsplit(src.strip())
        return parts.scheme == "https" and (parts.hostname or "") in self.iframe_hosts


@dataclass(frozen=True)
class Removal:
    """One thing the policy took out: ``needle`` is text to find its line by."""

    needle: str
    message: Bilingual


def removed(policy: HtmlPolicy, raw: str, cleaned: str) -> list[Removal]:
    """What cleaning ``raw`` into ``cleaned`` took out, each once, in a stable order."""
    if raw == cleaned:
        return []
    raw_tags, cleaned_tags = simple_start_tags(raw), simple_start_tags(cleaned)
    if raw_tags is not None and cleaned_tags is not None and not raw_tags - cleaned_tags:
        return []  # every start tag of raw is in cleaned, written the same: no tag and no attribute went
    before, after = _Inventory.of(raw, raw_tags), _Inventory.of(cleaned, cleaned_tags)
    gone_tags = before.tags - after.tags
    gone_attributes = before.attributes - after.attributes
    found = [
        Removal(f"<{tag}", _tag_message(tag, policy))
        for tag in sorted(gone_tags)
        if not (tag == "iframe" and policy.iframe_hosts and ("iframe", "src") in gone_attributes)  # said below
    ]
    for (tag, name), count in sorted(gone_attributes.items()):
        said_with_address = tag == "iframe" and name == "src" and policy.iframe_hosts
        if tag in gone_tags and not after.tags[tag] and not said_with_address:
            continue  # every such element went: said once, above
        values = sorted((before.values[(tag, name)] - after.values[(tag, name)]).elements()) or [""]
        if name not in _URL_ATTRIBUTES:
            values = values[:1]  # one word per kind of attribute; each address is said on its own line
        found += [_attribute_removal(policy, tag, name, value) for value in sorted(set(values[:count]))]
    return found


def _hosts(policy: HtmlPolicy) -> tuple[str, str]:
    hosts = sorted(policy.iframe_hosts)
    return ", ".join(hosts) or "none", "、".join(hosts) or "なし"


def _tag_message(tag: str, policy: HtmlPolicy) -> Bilingual:
    if tag == "iframe":
        en, ja = _hosts(policy)
        return bi(
            "<iframe> (an embed) was removed: only sites listed in html_iframe_hosts (mkdocs.yml) may be embedded "
            f"(now: {en}); link to the page instead",
            "<iframe>（埋め込み）を削除しました。埋め込めるのは mkdocs.yml の html_iframe_hosts にある"
            f"サイトだけです（いま: {ja}）。埋め込まずにリンクで示してください",
        )
    if tag in ("script", "style"):
        return bi(
            f"<{tag}> was removed with its content: a body may not hold scripts or styles",
            f"<{tag}> を中身ごと削除しました。本文にスクリプトやスタイルは書けません",
        )
    return bi(
        f"the tag <{tag}> was removed (not allowed in a body; its text is kept); write Markdown or an allowed tag",
        f"<{tag}> タグを削除しました（本文では使えません。中の文字は残ります）。Markdown か使えるタグで書いてください",
    )


def _attribute_removal(policy: HtmlPolicy, tag: str, name: str, value: str) -> Removal:
    shown = value if len(value) <= 60 else value[:57] + "…"
    if tag == "iframe" and name == "src":
        en, ja = _hosts(policy)
        return Removal(
            value[:40] or "<iframe",
            bi(
                f"<iframe> (an embed) {shown!r} was removed: only https addresses of sites listed in "
                f"html_iframe_hosts (mkdocs.yml) may be embedded (now: {en}); link to the page instead",
                f"<iframe>（埋め込み）{shown!r} を削除しました。埋め込めるのは mkdocs.yml の html_iframe_hosts にある"
                f"サイトの https のアドレスだけです（いま: {ja}）。埋め込まずにリンクで示してください",
            ),
        )
    if name.startswith("on"):
        return Removal(
            name,
            bi(
                f"{name}= was removed from <{tag}>: a body may not hold scripts (event handlers)",
                f"<{tag}> の {name}= を削除しました。本文にスクリプト（イベント属性）は書けません",
            ),
        )
    if name in _URL_ATTRIBUTES:
        return Removal(
            value[:40] or name,
            bi(
                f"{name}={shown!r} was removed from <{tag}>: only http(s), mailto and tel addresses and files "
                "beside the content may be used (no javascript: or data:)",
                f"<{tag}> の {name}={shown!r} を削除しました。使えるのは http(s)・mailto・tel のアドレスと、"
                "原稿のそばに置いたファイルだけです（javascript: や data: は使えません）",
            ),
        )
    return Removal(
        name,
        bi(
            f"the attribute {name}= was removed from <{tag}> (not allowed there)",
            f"<{tag}> の {name}= を削除しました（この要素では使えない属性です）",
        ),
    )


# What html.parser reads the same way in every version: a start tag ``<name>`` with attributes
# ``name`` or ``name="value"`` (no quote, ``<`` or ``>`` in the value) apart by ASCII white
# space, an end tag ``</name>``. A fragment whose every ``<`` and ``>`` belongs to such a
# tag, none of them an element whose content html.parser reads as raw text, is read by
# these patterns exactly as html.parser reads it (tests/test_html_policy.py compares them).
_SPACE = "[ \\t\\n\\r\\f]"
_SIMPLE_TAG = re.compile(
    rf'<(?:([a-zA-Z][a-zA-Z0-9]*)((?:{_SPACE}+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*){_SPACE}*/?'
    rf"|/[a-zA-Z][a-zA-Z0-9]*{_SPACE}*)>"
)
_SIMPLE_ATTRIBUTE = re.compile(rf'{_SPACE}+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"<>]*)")?')
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"}
)


def simple_start_tags(html_text: str) -> Counter[tuple[str, str]] | None:
    """The start tags of ``html_text`` as ``(name, attributes)`` as written, counted, when
    the fragment is made only of text and simple tags (see above); else ``None``."""
    tags = _SIMPLE_TAG.findall(html_text)
    if not len(tags) == html_text.count("<") == html_text.count(">"):
        return None
    found = Counter(tag for tag in tags if tag[0])
    if any(name.lower() in _RAW_TEXT for name, _ in found):
        return None
    return found


class _Inventory:
    """Start tags and ``(tag, attribute)`` pairs of an HTML fragment, counted, as html.parser reads them."""

    def __init__(self) -> None:
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.values: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)

    @classmethod
    def of(cls, html_text: str, simple: Counter[tuple[str, str]] | None = None) -> _Inventory:
        """The inventory of ``html_text``; ``simple``, its :func:`simple_start_tags`, is read without a parser."""
        inventory = cls()
        if simple is None:
            parser = _Parser(inventory)
            parser.feed(html_text)
            parser.close()
            return inventory
        for (name, written), count in simple.items():
            attributes = [
                (attribute.lower(), html.unescape(value) if value else value or None)
                for attribute, value in _SIMPLE_ATTRIBUTE.findall(written)
            ]
            inventory.add(name.lower(), attributes, count)
        return inventory

    def add(self, tag: str, attrs: list[tuple[str, str | None]], count: int = 1) -> None:
        self.tags[tag] += count
        for name, value in attrs:
            self.attributes[(tag, name)] += count
            self.values[(tag, name)][value or ""] += count


class _Parser(HTMLParser):
    """html.parser's reading of a fragment, into an :class:`_Inventory`."""

    def __init__(self, inventory: _Inventory) -> None:
        super().__init__(convert_charrefs=True)
        self.inventory = inventory

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inventory.add(tag, attrs)

    handle_startendtag = handle_starttag
