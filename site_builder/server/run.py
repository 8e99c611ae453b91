"""``site-builder server``: the app under uvicorn, logging without personal data."""

from __future__ import annotations

import uvicorn

from site_builder.server.app import create_app
from site_builder.server.service import Service

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},  # ours: app.AccessLog
        "site_builder.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def uvicorn_config(service: Service, host: str, port: int) -> uvicorn.Config:
    """No access log of uvicorn's (it writes query strings and client addresses), no proxy
    headers (guard.client_address reads X-Forwarded-For from trusted proxies only)."""
    return uvicorn.Config(
        create_app(service),
        host=host,
        port=port,
        log_config=LOG_CONFIG,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=5,
        limit_concurrency=200,
        h11_max_incomplete_event_size=16 * 1024,
    )


def serve(service: Service, host: str, port: int) -> None:
    uvicorn.Server(uvicorn_config(service, host, port)).run()
