"""Pour finished page bodies into the frames the engine rendered."""

from __future__ import annotations

import functools
import html
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from site_builder.content.html_policy import HtmlPolicy
from site_builder.content.i18n import bi
from site_builder.content.links import Resolver, relative_url
from site_builder.context import WebPage
from site_builder.site.chrome import CONTENT_END, Chrome
from site_builder.site.engine import (
    BODY_END,
    BODY_START,
    FOOTNOTES_HERE,
    FRAME_BODY,
    FRAME_FOLDER,
    FRAME_HEAD,
    FRAME_TITLE,
    NOT_FOUND_PAGE,
    EngineError,
)
from site_builder.writer import Writer

_BODY = re.compile(r'<!--<h1-->\s*<div class="sb-frame">' + FRAME_BODY + r"</div>")
_TITLE_TAG = f"<title>{FRAME_TITLE}</title>"


def read_frames(site: Path, frame_urls: set[str]) -> dict[str, str]:
    frames = {}
    for url in sorted(frame_urls):
        path = site / url.lstrip("/") / "index.html"
        text = path.read_text(encoding="utf-8")
        if _TITLE_TAG not in text or FRAME_HEAD not in text or not _BODY.search(text):
            raise EngineError(
                f"the engine's output for {url} lacks the frame markers; is theme/overrides/main.html in use?"
            )
        frames[url] = text
        path.unlink()
    return frames


def fill(frame: str, page: WebPage, chrome: Chrome) -> str:
    text = frame.replace(_TITLE_TAG, f"<title>{html.escape(page.html_title)}</title>", 1)
    text = text.replace(FRAME_TITLE, html.escape(page.title))
    text = text.replace(FRAME_HEAD, page.head_html, 1)
    return chrome.place_chrome(_BODY.sub(lambda _: page.body_html, text, count=1), page.url)


def fill_frames(
    site: Path,
    writer: Writer,
    pages: list[WebPage],
    frame_of: dict[str, str],
    chrome: Chrome,
    handed: Callable[[str, str], None] | None = None,
) -> dict[str, str]:
    """Write every generated page in its frame, and the 404 page; returns the frames by URL.
    ``handed`` is given every page's URL and finished HTML in the order of ``pages`` (the
    ordinary pages as the engine wrote them and :func:`clean_ordinary_pages` cleaned them)."""
    frames = read_frames(site, set(frame_of.values()))
    for page in pages:
        if page.markdown is None:
            text = fill(frames[frame_of[page.url]], page, chrome)
            writer.write(page.output_path, text)
        elif handed is not None:
            text = (site / page.output_path).read_text(encoding="utf-8")
        if handed is not None:
            handed(page.url, text)
    shutil.rmtree(site / FRAME_FOLDER, ignore_errors=True)
    not_found = site / NOT_FOUND_PAGE.lstrip("/")
    if not_found.is_file():  # served at any depth: its links start from the site's root
        text = not_found.read_text(encoding="utf-8")
        writer.write(NOT_FOUND_PAGE.lstrip("/"), chrome.place_chrome(text, NOT_FOUND_PAGE, absolute=True))
    return frames


def clean_ordinary_pages(
    site: Path, pages: list[WebPage], policy: HtmlPolicy, resolver: Resolver, chrome: Chrome
) -> None:
    """Editors' ordinary pages as the engine wrote them, their bodies cleaned by the
    HTML policy like every item body (the engine converted their raw HTML as written).
    A link to a public page the engine does not know (an item's ``../cases/a.md``: only
    ordinary pages are in its docs tree) becomes that page's URL, as in item bodies.

    What is cleaned runs from the start mark to the end of the page's content, not
    to the end mark: an unclosed comment or element in a body can swallow the end mark
    and move the footnotes after it, and all of that is the body's."""
    for page in pages:
        if page.markdown is None:
            continue
        path = site / page.output_path
        text = path.read_text(encoding="utf-8")
        start, end = text.find(BODY_START), text.rfind(CONTENT_END)
        if start < 0 or end < start or text.count(BODY_START) != 1:
            raise EngineError(
                bi(
                    f"the engine's output for {page.url} lacks the start of its body; is theme/overrides in use?",
                    f"{page.url} のページをエンジンが想定どおりに作りませんでした（本文の始まりがありません）。"
                    "theme/overrides が使われているか確かめてください。",
                )
            )
        body = text[start + len(BODY_START) : end].replace(BODY_END, "")
        body = policy.clean(body, comments=False).replace(f"<p>{FOOTNOTES_HERE}</p>", "").replace(FOOTNOTES_HERE, "")
        body = resolver.link_pages(page.source, body, functools.partial(relative_url, base=page.url))
        # The body's wrapper (site/pages.py) opened before the mark; its end tag was in the cleaned part.
        text = text[:start] + body.rstrip() + "\n</div>\n" + text[end:]
        path.write_text(chrome.place_chrome(text, page.url), encoding="utf-8")
