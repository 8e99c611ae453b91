"""The server's routes, error pages and access log, put together (``create_app``)."""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from site_builder.server import pages, signup
from site_builder.server.intake import intake
from site_builder.server.service import Service

log = logging.getLogger("site_builder.server")
ROUTES = {
    "/healthz",
    "/newsletter/subscribe",
    "/newsletter/confirm",
    "/newsletter/unsubscribe",
    "/intake",
}


async def healthz(request: Request) -> Response:
    """200 while the database answers (for a load balancer or a timer's check)."""
    service: Service = request.app.state.service

    def ask() -> None:
        with service.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ask)
    except Exception as exc:  # any failure of the database means: not healthy
        log.warning("/healthz: database not reachable (%s)", type(exc).__name__)
        return PlainTextResponse(
            "database unavailable\n", status_code=503, headers=pages.security_headers(service.site_url)
        )
    return PlainTextResponse("ok\n", headers=pages.security_headers(service.site_url))


async def http_error(request: Request, exc: HTTPException) -> Response:
    service: Service = request.app.state.service
    title, advice = pages.NOT_ALLOWED if exc.status_code == 405 else pages.NOT_FOUND
    response = pages.page(service.site_url, exc.status_code, title, advice)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    return pages.page(request.app.state.service.site_url, 500, *pages.SERVER_ERROR)


class AccessLog:
    """One line per request: method, path (never the query: it holds addresses and tokens;
    an unknown path is not written either), status, time. No client address."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), [500]

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = scope["path"] if scope["path"] in ROUTES else "(other path)"
            elapsed = (time.monotonic() - started) * 1000
            log.info("%s %s %d %.0f ms", scope["method"], path, status[0], elapsed)


def create_app(service: Service) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/newsletter/subscribe", signup.subscribe, methods=["POST"]),
            Route("/newsletter/confirm", signup.confirm, methods=["GET"]),
            Route("/newsletter/unsubscribe", signup.unsubscribe_page, methods=["GET"]),
            Route("/newsletter/unsubscribe", signup.unsubscribe, methods=["POST"]),
            Route("/intake", intake, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.service = service
    app.add_middleware(AccessLog)
    return app
