"""Running the API under uvicorn, in this process or as N worker processes."""

from __future__ import annotations

import asyncio
import signal

import uvicorn
from fastapi import FastAPI

from seatgate.http.protocol import BoundedHttpToolsProtocol, bounded_protocol
from seatgate.main import create_app
from seatgate.observability.exposition import prepare_multiprocess_dir, remove_multiprocess_dir
from seatgate.observability.logging import configure_logging
from seatgate.settings import Settings, get_settings


def app_factory() -> FastAPI:
    """Entry point of each uvicorn worker process; settings come from the environment."""
    configure_logging()
    return create_app(get_settings())


def uvicorn_config(settings: Settings, app: FastAPI) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        http=bounded_protocol(settings),
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
        backlog=2048,
    )


def _absorb_stop_signals() -> None:
    """uvicorn re-raises the SIGTERM/SIGINT it handled once it has shut down; with
    these handlers that re-raise is a no-op, so callers' cleanup runs and exit is 0."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)


def run_server(settings: Settings, app: FastAPI) -> None:
    """Serve `app` in this process until SIGTERM/SIGINT, then return."""
    _absorb_stop_signals()
    asyncio.run(uvicorn.Server(uvicorn_config(settings, app)).serve())


def serve_forever(settings: Settings) -> None:
    configure_logging()
    if settings.http_workers > 1:
        # Each worker process builds its own app (and pool) from the environment; the
        # metrics directory is set first so one scrape sums every worker.
        metrics_dir = prepare_multiprocess_dir()
        try:
            uvicorn.run(
                "seatgate.serving:app_factory",
                factory=True,
                host=settings.http_host,
                port=settings.http_port,
                workers=settings.http_workers,
                # Each worker reads the header limits from the environment, like its app.
                http=BoundedHttpToolsProtocol,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=10,
                backlog=2048,
            )
        finally:
            remove_multiprocess_dir(metrics_dir)
        return
    run_server(settings, create_app(settings))
