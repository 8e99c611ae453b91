"""The newsletter's routes: sign-up (double opt-in), confirmation, unsubscription.

``POST /newsletter/subscribe`` stores a pending subscriber and mails a confirmation link
(a random token, stored as its hash, valid for 7 days); ``GET /newsletter/confirm`` shows a
button whose ``POST`` confirms (a HEAD, a prefetch or a mail scanner opening the link
changes nothing).
``POST /newsletter/unsubscribe?email=&token=`` is RFC 8058's one-click unsubscription
(mail providers post ``List-Unsubscribe=One-Click``: no form token, no Origin; the token in
the link is the proof, the HMAC ``newsletter send`` put there); ``GET`` shows a button
that posts the same and is then sent on to the site's page.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from site_builder.content.forms import NEWSLETTER, NEWSLETTER_CONFIRMED, NEWSLETTER_UNSUBSCRIBED
from site_builder.newsletter.mailer import unsubscribe_token
from site_builder.server import notices, store
from site_builder.server.guard import THANKS, accept_form, read_body, refused
from site_builder.server.pages import confirm_form, page, redirect, unsubscribe_form
from site_builder.server.service import Service
from site_builder.server.submissions import Refusal, read_pairs, single, values_of

log = logging.getLogger("site_builder.server")
CONFIRM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
UNSUBSCRIBE_TOKEN = re.compile(r"[0-9a-f]{32}")
NOT_SENT = (
    "確認のメールを送れませんでした",
    "いま、メールを送る仕組みに問題があります。しばらく待ってから、もう一度申し込んでください。",
)


async def subscribe(request: Request) -> Response:
    return await accept_form(request, NEWSLETTER, accept_subscription)


def accept_subscription(service: Service, fields: dict) -> Response:
    """A pending subscriber and the confirmation mail; the same answer for a known address,
    and for an address past its mails of the day (then nothing changes and nothing is sent)."""
    if notices.over_cap(service, fields["email"]):
        log.info("/newsletter/subscribe: no confirmation mail (the address's mails for today); nothing changed")
        return redirect(service.site_url, THANKS["newsletter"])
    token = secrets.token_urlsafe(32)
    now = service.now()
    store.subscribe(service.engine, fields["email"], fields["name"], token, now + notices.CONFIRM_DAYS * store.DAY, now)
    try:
        notices.send(service, notices.confirmation(service, fields["email"], token))
    except notices.NoticeFailed as exc:
        store.forget_pending(service.engine, fields["email"], token)
        log.warning("/newsletter/subscribe: confirmation mail not sent (%s); nothing kept", exc)
        return page(service.site_url, 503, *NOT_SENT)
    return redirect(service.site_url, THANKS["newsletter"])


def confirm_token(token: str) -> str:
    """``token`` when it has the form of a confirmation token."""
    if not CONFIRM_TOKEN.fullmatch(token):
        advice = "メールの中のリンクを、途中で切れないように、そのまま開いてください。"
        raise Refusal(400, "リンクが正しくありません", advice, "token malformed")
    return token


def confirmed(service: Service, result: store.Confirmation) -> Response:
    """The answer to a link that has nothing (more) to confirm."""
    if result == "confirmed":
        return redirect(service.site_url, NEWSLETTER_CONFIRMED)
    title = "リンクの期限が過ぎています" if result == "expired" else "このリンクは使えません"
    advice = (
        f"確認のリンクは{notices.CONFIRM_DAYS}日のあいだ使えます。期限が過ぎたか、あとから申し込み直して"
        "新しいメールが届いています。新しいメールのリンクを開くか、サイトのフォームからもう一度申し込んでください。"
    )
    return refused(service, "/newsletter/confirm", Refusal(410 if result == "expired" else 404, title, advice, result))


async def confirm_page(request: Request) -> Response:
    """The link of the confirmation mail: a button (changes nothing by itself)."""
    service: Service = request.app.state.service
    try:
        token = confirm_token(request.query_params.get("token", ""))
    except Refusal as refusal:
        return refused(service, "/newsletter/confirm", refusal)
    result = await run_in_threadpool(store.confirmation, service.engine, token, service.now())
    if result != "pending":
        return confirmed(service, result)
    return page(
        service.site_url,
        200,
        "メールマガジンの登録の確認",
        "下のボタンを押すと、メールマガジンの登録が完了します。",
        form=confirm_form(f"{service.server_url}/newsletter/confirm", token),
    )


async def confirm(request: Request) -> Response:
    """The confirmation page's button: confirms, then 303 to the site's page."""
    service: Service = request.app.state.service
    try:
        body = await read_body(request, limit=4096)
        token = confirm_token(single(values_of(read_pairs(body)), "token"))
    except Refusal as refusal:
        return refused(service, "/newsletter/confirm", refusal)
    result = await run_in_threadpool(store.confirm, service.engine, token, service.newsletter_secret, service.now())
    return confirmed(service, result)


def unsubscriber(request: Request, service: Service) -> str:
    """The address of an unsubscribe link whose token is right for it."""
    address = request.query_params.get("email", "")
    token = request.query_params.get("token", "")
    advice = (
        "メールの中の配信停止のリンクを、途中で切れないように、そのまま開いてください。"
        "うまくいかないときは、メールの返信で「配信停止」とお知らせください。"
    )
    if not address or len(address) > 254 or not UNSUBSCRIBE_TOKEN.fullmatch(token):
        raise Refusal(400, "配信停止のリンクが正しくありません", advice, "link malformed")
    if not hmac.compare_digest(token, unsubscribe_token(service.newsletter_secret, address)):
        raise Refusal(403, "配信停止のリンクが正しくありません", advice, "token does not match")
    return address


async def unsubscribe_page(request: Request) -> Response:
    service: Service = request.app.state.service
    try:
        address = unsubscriber(request, service)
    except Refusal as refusal:
        return refused(service, "/newsletter/unsubscribe", refusal)
    query = urlencode({"email": address, "token": request.query_params["token"]})
    action = f"{service.server_url}/newsletter/unsubscribe?{query}"
    return page(
        service.site_url,
        200,
        "メールマガジンの配信停止",
        "下のボタンを押すと、このアドレスへのメールマガジンの配信を停止します。",
        form=unsubscribe_form(action, address),
    )


async def unsubscribe(request: Request) -> Response:
    """One-click (RFC 8058: 200) or the page's button (303 to the site's page)."""
    service: Service = request.app.state.service
    try:
        address = unsubscriber(request, service)
        body = await read_body(request, limit=4096)
    except Refusal as refusal:
        return refused(service, "/newsletter/unsubscribe", refusal)
    try:  # the body only says where the request came from: the token in the link is the proof
        from_page = values_of(read_pairs(body)).get("via") == ["page"]
    except Refusal:
        from_page = False
    await run_in_threadpool(store.unsubscribe, service.engine, address, service.newsletter_secret, service.now())
    if from_page:
        return redirect(service.site_url, NEWSLETTER_UNSUBSCRIBED)
    return page(service.site_url, 200, "配信を停止しました", "このアドレスへのメールマガジンの配信を停止しました。")
