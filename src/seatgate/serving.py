"""Running the API under uvicorn, in this process or as N worker processes."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from multiprocessing.process import BaseProcess

import uvicorn
from fastapi import FastAPI

from seatgate.http.protocol import BoundedHttpToolsProtocol, bounded_protocol
from seatgate.main import background_workers, create_app
from seatgate.observability.exposition import prepare_multiprocess_dir, remove_multiprocess_dir
from seatgate.observability.logging import configure_logging
from seatgate.settings import Settings, env_name, get_settings
from seatgate.worker_runner import until_stopped

# Background workers yield the CPU to the API's workers when both want it; they lag
# under a burst and catch up after it (docs/decisions/0009).
BACKGROUND_NICENESS = 10
PR_SET_PDEATHSIG = 1


def app_factory() -> FastAPI:
    """Entry point of each uvicorn worker process; settings come from the environment."""
    _die_with_parent()
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
        _serve_workers(settings)
        return
    run_server(settings, create_app(settings))


def _serve_workers(settings: Settings) -> None:
    """uvicorn's worker processes, and the background workers (if asked for) in one
    process of their own, niced: under load the API's workers get the cores first."""
    # Each worker process builds its own app (and pool) from the environment; the
    # metrics directory is set first so one scrape sums every worker.
    metrics_dir = prepare_multiprocess_dir()
    background = None
    if settings.run_workers_in_process:
        os.environ[env_name("run_workers_in_process")] = "false"
        background = multiprocessing.get_context("spawn").Process(
            target=_run_background, name="seatgate-background"
        )
        background.start()
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
        if background is not None:
            _stop_background(background)
        remove_multiprocess_dir(metrics_dir)


def _run_background() -> None:
    """Entry point of the background process: scheduler, relay and consumer."""
    _die_with_parent()
    os.nice(BACKGROUND_NICENESS)
    configure_logging()
    asyncio.run(until_stopped(get_settings(), background_workers, "background"))


def _die_with_parent() -> None:
    """A serve killed with SIGKILL must not leave its API workers or its background
    process behind, holding the port and the database (Linux)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _stop_background(background: BaseProcess) -> None:
    if background.is_alive() and background.pid is not None:
        os.kill(background.pid, signal.SIGTERM)
    background.join(timeout=15)
    if background.is_alive():
        background.kill()
        background.join()
