"""The server's routes, error pages and access log, put together (``create_app``), and
the retention purge it runs itself: at start, then every hour."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from site_builder.server import pages, signup, store
from site_builder.server.intake import intake
from site_builder.server.service import Service

log = logging.getLogger("site_builder.server")
PURGE_SECONDS = 3600
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


class ErrorPage:
    """A request that fails gets the Japanese 500 page. The log gets the exception's type
    only, never its text (a database's message can quote an address), and nothing is
    raised further (uvicorn would print the traceback)."""

    def __init__(self, app, site_url: str):
        self.app, self.site_url = app, site_url

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = [False]

        async def sending(message) -> None:
            started[0] = started[0] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # every failure gets the page; its type is logged
            log.error("%s %s failed (%s)", scope["method"], shown_path(scope), type(exc).__name__)
            if not started[0]:
                await pages.page(self.site_url, 500, *pages.SERVER_ERROR)(scope, receive, send)


def shown_path(scope) -> str:
    """The path for the log: one of ours, else not written (it could hold anything)."""
    return scope["path"] if scope["path"] in ROUTES else "(other path)"


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
            elapsed = (time.monotonic() - started) * 1000
            log.info("%s %s %d %.0f ms", scope["method"], shown_path(scope), status[0], elapsed)


async def purge(service: Service) -> None:
    """Apply the retention period (``store.purge``); a failure is logged and tried again next hour."""
    try:
        counts = await asyncio.to_thread(store.purge, service.engine, service.now(), service.settings.retention_days)
    except Exception as exc:  # the database may be away for a while
        log.warning("purge failed (%s); tried again in an hour", type(exc).__name__)
        return
    if any(counts.values()):
        log.info("purge: %s", ", ".join(f"{count} {name}" for name, count in sorted(counts.items())))


@contextlib.asynccontextmanager
async def purging(app: Starlette):
    """Purge at start, then hourly while the server runs. Every instance does it; a purge
    only deletes what is past its time, so two at once are harmless."""
    service: Service = app.state.service
    await purge(service)

    async def hourly() -> None:
        while True:
            await asyncio.sleep(PURGE_SECONDS)
            await purge(service)

    task = asyncio.create_task(hourly())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(service: Service) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/newsletter/subscribe", signup.subscribe, methods=["POST"]),
            Route("/newsletter/confirm", signup.confirm_page, methods=["GET"]),
            Route("/newsletter/confirm", signup.confirm, methods=["POST"]),
            Route("/newsletter/unsubscribe", signup.unsubscribe_page, methods=["GET"]),
            Route("/newsletter/unsubscribe", signup.unsubscribe, methods=["POST"]),
            Route("/intake", intake, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=purging,
    )
    app.router.redirect_slashes = False  # no redirect built from the Host header, no token copied into it
    app.state.service = service
    app.add_middleware(ErrorPage, site_url=service.site_url)
    app.add_middleware(AccessLog)
    return app
