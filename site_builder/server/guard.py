"""What stands before a form is read: the body's size (before any parsing), its type, the
page it was posted from (Origin, else Referer), the client's address (X-Forwarded-For only
through a trusted proxy, kept only as an HMAC; IPv6 by its /64), the rate limit and the form token."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Callable, Iterable

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from site_builder.content.forms import (
    HONEYPOT_FIELD,
    INTAKE_THANKS,
    NEWSLETTER_THANKS,
    TOKEN_FIELD,
    Form,
    check_form_token,
)
from site_builder.server import store
from site_builder.server.pages import origin, page, redirect
from site_builder.server.service import Service
from site_builder.server.submissions import Refusal, read_form, read_pairs, single, values_of

log = logging.getLogger("site_builder.server")
THANKS = {"newsletter": NEWSLETTER_THANKS, "intake": INTAKE_THANKS}  # the site's pages, by form

MAX_BODY_BYTES = 64 * 1024  # the intake form at its limits, percent-encoded, is under 40 KB
BODY_SECONDS = 20.0  # the whole body must arrive within this
RELOAD = "センターのサイトのフォームのページを開き直して（再読み込みして）、もう一度送ってください。"

TOO_LARGE = Refusal(413, "送られた内容が大きすぎます", "本文などを短くして、もう一度送ってください。", "body too large")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused as soon as it is known to be over ``limit`` (a Content-Length says
    so before a byte is read) or arrives too slowly."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TOO_LARGE
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TOO_LARGE
                chunks.append(chunk)
    except TimeoutError:
        raise Refusal(408, "送信が途中で止まりました", RELOAD, "body too slow") from None
    except ClientDisconnect:
        raise Refusal(400, "送信が途中で止まりました", RELOAD, "client went away") from None
    return b"".join(chunks)


def check_form_type(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refusal(415, "送られた内容を読めませんでした", RELOAD, "not a urlencoded form")


def check_origin(request: Request, service: Service) -> str:
    """The form must come from a page of the site (or an allowed origin): Origin, else Referer;
    the origin it came from."""
    sent = request.headers.get("origin") or ""
    if not sent or sent == "null":
        referer = request.headers.get("referer", "")
        sent = origin(referer) if referer.startswith(("https://", "http://")) else ""
    if not sent or not service.allows(sent):
        raise Refusal(
            403,
            "ほかのページから送られたため受け付けませんでした",
            "センターのサイトのフォームから送られたものだけを受け付けます。" + RELOAD,
            "foreign or missing origin",
        )
    return sent


def client_address(request: Request, trusted_proxies: Iterable) -> str:
    """The client's IP: the peer, or, when the peer is a trusted proxy, the nearest address
    in X-Forwarded-For that is not one of ours (the ones before it could be made up)."""
    networks = tuple(trusted_proxies)
    peer = request.client.host if request.client else ""

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if not trusted(peer):
        if not networks and request.headers.get("x-forwarded-for") and is_loopback(peer):
            warn_proxy_not_trusted()
        return peer
    forwarded = [part.strip() for part in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not trusted(address):
            return address
    return peer


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@functools.cache
def warn_proxy_not_trusted() -> None:
    """Once: a reverse proxy on this machine is not trusted, so every reader counts as one client."""
    log.warning(
        "X-Forwarded-For arrives from a loopback peer but server_trusted_proxies is empty: every reader "
        "shares one rate limit. Put the proxy's address (e.g. 127.0.0.1) in server_trusted_proxies"
    )


def client_key(address: str) -> str:
    """What the rate limit counts: an IPv4 address, or an IPv6 address's /64 (one household
    or host usually holds a whole /64 and could otherwise take a fresh address per POST)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network((ip, 64), strict=False))


def client_hash(secret: bytes, address: str) -> str:
    """The only form in which a client's address (its :func:`client_key`) is kept."""
    return hmac.new(secret, b"client\0" + client_key(address).encode("utf-8"), hashlib.sha256).hexdigest()


TOKEN_REFUSALS = {
    "missing": (400, "フォームの確認用の欄がありません"),
    "malformed": (400, "フォームの確認用の欄が読めません"),
    "forged": (403, "センターのサイトのフォームとして確かめられませんでした"),
    "future": (403, "センターのサイトのフォームとして確かめられませんでした"),
    "expired": (410, "フォームのページが古くなっています"),
}


def check_token(secret: bytes, form: str, token: str, now: int, max_age_days: int) -> None:
    problem = check_form_token(secret, form, token, now, max_age_days * 86400)
    if problem is not None:
        status, title = TOKEN_REFUSALS[problem]
        advice = RELOAD
        if problem == "expired":
            advice = f"{max_age_days}日より前に開いたページのフォームは使えません。" + RELOAD
        raise Refusal(status, title, advice, f"form token {problem}")


RATE_LIMITED = Refusal(
    429,
    "送信の回数が多すぎます",
    "同じところから短い間に何度も送られました。1時間ほど待ってから、もう一度送ってください。",
    "rate limit",
)


async def accept_form(request: Request, form: Form, handle: Callable[[Service, dict], Response]) -> Response:
    """Every check of a form POST in order, then ``handle(service, fields)`` in a worker
    thread. A refusal is answered with its page and stores nothing; a filled honeypot is
    answered as a success would be (303 to the form's thanks page) and stores nothing."""
    service: Service = request.app.state.service
    try:
        check_form_type(request)
        body = await read_body(request)
        service = service.for_origin(check_origin(request, service))
        client = client_hash(service.form_secret, client_address(request, service.settings.trusted_proxies))
        limit = service.settings.rate_limit_per_hour
        if await run_in_threadpool(store.over_rate_limit, service.engine, client, service.now(), limit):
            raise RATE_LIMITED
        values = values_of(read_pairs(body))
        check_token(
            service.form_secret,
            form.name,
            single(values, TOKEN_FIELD),
            service.now(),
            service.settings.form_token_max_age_days,
        )
        if single(values, HONEYPOT_FIELD):
            log.info("%s: honeypot filled; answered as accepted, nothing kept", form.path)
            return redirect(service.site_url, THANKS[form.name])
        fields = read_form(form, values)
    except Refusal as refusal:
        return refused(service, form.path, refusal)
    return await run_in_threadpool(handle, service, fields)


def refused(service: Service, where: str, refusal: Refusal) -> Response:
    log.info("%s: refused (%d, %s)", where, refusal.status, refusal.reason)
    return page(service.site_url, refusal.status, refusal.title, refusal.advice)
