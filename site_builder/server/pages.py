"""The pages the server answers with: small, self-contained Japanese HTML (no script, no
outside file), every value escaped, with the security headers of every answer."""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse, Response

STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.8;max-width:36rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}h1{font-size:1.4rem;line-height:1.4}a{color:#0b57d0}"
    "button{font:inherit;font-size:1.1rem;padding:.6rem 1.4rem;border:2px solid #0b57d0;border-radius:.4rem;"
    "background:#0b57d0;color:#fff;cursor:pointer}button:focus{outline:3px solid #f29900;outline-offset:2px}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(site_url: str) -> dict[str, str]:
    """On every answer. A form on our pages posts to the server itself and is then sent on
    to the site, so ``form-action`` allows both (browsers check the redirect too)."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self' {origin(site_url)}; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def page(site_url: str, status: int, title: str, *paragraphs: str, form: str = "") -> Response:
    """A page: a heading, paragraphs of plain text, an optional form (already escaped
    markup made by this module), and a link back to the site."""
    body = "".join(f"<p>{html.escape(paragraph)}</p>\n" for paragraph in paragraphs)
    markup = (
        '<!doctype html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="robots" content="noindex">\n<title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{html.escape(title)}</h1>\n{body}{form}"
        f'<p><a href="{html.escape(site_url, quote=True)}">センターのサイトへ戻る</a></p>\n</main>\n</body>\n</html>\n'
    )
    return HTMLResponse(markup, status_code=status, headers=security_headers(site_url))


def button_form(action: str, hidden: dict[str, str], button: str, shown: str = "") -> str:
    """A form of one button that posts ``hidden`` to ``action`` (a URL of the server itself),
    after an optional line ``shown`` (plain text)."""
    fields = "".join(
        f'<input type="hidden" name="{html.escape(name, quote=True)}" value="{html.escape(value, quote=True)}">\n'
        for name, value in hidden.items()
    )
    line = f"<p>{html.escape(shown)}</p>\n" if shown else ""
    return (
        f'<form method="post" action="{html.escape(action, quote=True)}">\n{fields}{line}'
        f'<p><button type="submit">{html.escape(button)}</button></p>\n</form>\n'
    )


def unsubscribe_form(action: str, address: str) -> str:
    """The button of the unsubscribe page; it posts to ``action`` (the page's own URL)."""
    return button_form(
        action, {"List-Unsubscribe": "One-Click", "via": "page"}, "配信を停止する", f"停止するアドレス: {address}"
    )


def confirm_form(action: str, token: str) -> str:
    """The button of the confirmation page: only its POST confirms (a GET, a HEAD or a mail
    scanner opening the link changes nothing)."""
    return button_form(action, {"token": token}, "登録を完了する")


def redirect(site_url: str, path: str) -> Response:
    """303 See Other to a page of the site (after a POST the browser follows with GET)."""
    return Response(status_code=303, headers={"Location": site_url + path.lstrip("/"), **security_headers(site_url)})


NOT_FOUND = (
    "ページが見つかりません",
    "このアドレスにはページがありません。センターのサイトから、もう一度たどってください。",
)
NOT_ALLOWED = (
    "この操作はできません",
    "このアドレスは、センターのサイトのフォームから送るためのものです。サイトのフォームのページから送ってください。",
)
SERVER_ERROR = (
    "うまく受け付けられませんでした",
    "サーバーで問題が起きました。しばらく待ってから、もう一度送ってください。"
    "続くときは、センターに電話でお知らせください。",
)
