"""``POST /intake``: a consultation stored, staff told (Reply-To the sender), the sender
acknowledged (with its number, not its text). Closed (503) while ``server_staff_address``
is unset: nobody would read it."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from site_builder.content.forms import INTAKE
from site_builder.server import notices, store
from site_builder.server.guard import THANKS, accept_form
from site_builder.server.pages import page, redirect
from site_builder.server.service import Service

log = logging.getLogger("site_builder.server")
CLOSED = "いまはフォームで相談を受け付けていません"


def closed_advice(phone: str) -> str:
    """Where to turn instead: the centre's telephone (``center_phone``), else its desk."""
    if phone:
        return f"申し訳ありません。ご相談は、センターの窓口か電話（{phone}）でお受けします。"
    return "申し訳ありません。ご相談は、センターの窓口でお受けします。"


async def intake(request: Request) -> Response:
    service: Service = request.app.state.service
    if not service.settings.staff_address:
        log.info("/intake: closed (no server_staff_address)")
        return page(service.site_url, 503, CLOSED, closed_advice(service.center_phone))
    return await accept_form(request, INTAKE, accept_consultation)


def accept_consultation(service: Service, fields: dict) -> Response:
    """Store first (it is what matters), then tell staff and the sender; a mail that
    fails is logged by number and the consultation stays listed (``intake list``)."""
    values = {name: value for name, value in fields.items() if name != "consent"}
    number = store.add_consultation(service.engine, values, service.now())
    try:
        notices.send(service, notices.staff_notice(service, number, fields))
        store.mark_consultation(service.engine, number, staff_notified=True)
    except notices.NoticeFailed as exc:
        log.warning("/intake: consultation %d stored; staff notice not sent (%s)", number, exc)
    if notices.over_cap(service, fields["email"]):
        log.info("/intake: consultation %d stored; no acknowledgement (the address's mails for today)", number)
        return redirect(service.site_url, THANKS["intake"])
    try:
        notices.send(service, notices.acknowledgement(service, fields["email"], number))
    except notices.NoticeFailed as exc:
        log.warning("/intake: consultation %d stored; acknowledgement not sent (%s)", number, exc)
    return redirect(service.site_url, THANKS["intake"])
