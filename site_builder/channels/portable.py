"""An item's body as HTML that works anywhere: in a feed reader, a calendar, an app.

The site pages keep relative links (they work from every mirror and preview); the
channels read outside the site need absolute ones and must not carry active content.
So the body is resolved against the item's absolute URL with lxml, the heading
permalinks (``¶``) are dropped, and nh3 (the ammonia sanitizer) removes scripts,
iframes, ``on*`` attributes, styles and every URL scheme but http(s) and mailto.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

import lxml.html
import nh3

from site_builder.content.links import EMPTY
from site_builder.content.readers import Entry

if TYPE_CHECKING:
    from site_builder.context import Build

URL_SCHEMES = {"http", "https", "mailto"}
_PERMALINKS = "//a[contains(concat(' ', normalize-space(@class), ' '), ' headerlink ')]"


def absolute_html(html_text: str, base_url: str) -> str:
    """``html_text`` with every link resolved against ``base_url``."""
    if not html_text.strip():
        return ""
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    for permalink in root.xpath(_PERMALINKS):
        permalink.drop_tree()
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    inner = html.escape(root.text or "", quote=False)
    return inner + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def sanitize(html_text: str) -> str:
    """No script, iframe, style or event handler; only http(s)/mailto URLs."""
    return nh3.clean(html_text, url_schemes=URL_SCHEMES, link_rel="noopener")


def portable_body(build: Build, entry: Entry) -> str:
    """The rendered body of a public item: absolute links, nothing active.
    Made once per build: the feeds and the API both need it."""
    if entry.url not in build.portable_bodies:
        body = build.bodies.get(entry.url, EMPTY)

        def make() -> str:
            linked = body.html(build.config.absolute)
            return sanitize(absolute_html(linked, build.config.absolute(entry.url))).strip()

        build.portable_bodies[entry.url] = build.memo.result("portable", body, make, entry.url)
    return build.portable_bodies[entry.url]


# --- long JSON documents made of items ---------------------------------------------------

_ITEMS_HERE = "\x1fsite-builder items\x1f"


def item_json(data: dict) -> str:
    """One item of a JSON document's item list, as ``json.dumps(…, indent=2)`` writes it there
    (:func:`json_with_items`); made once per item and kept while the item is unchanged."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return "\n".join("    " + line for line in text.split("\n"))  # JSON text has no raw newline in a string


def json_with_items(data: dict, key: str, items: list[str]) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2) + "\\n"`` with ``data[key]`` the list whose
    items :func:`item_json` wrote, byte for byte: only the items that changed are serialized again."""
    if not items:
        return json.dumps({**data, key: []}, ensure_ascii=False, indent=2) + "\n"
    text = json.dumps({**data, key: [_ITEMS_HERE]}, ensure_ascii=False, indent=2) + "\n"
    placeholder = "    " + json.dumps(_ITEMS_HERE, ensure_ascii=False)
    assert text.count(placeholder) == 1
    return text.replace(placeholder, ",\n".join(items), 1)
