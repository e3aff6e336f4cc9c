"""create_app(): wiring only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from seatgate.catalog.api import router as catalog_router
from seatgate.health.api import router as health_router
from seatgate.http.body import BodyLimit, DeclaredBody
from seatgate.http.last_resort import LastResort
from seatgate.http.observe import ObserveRequests, count_request, log_request
from seatgate.http.openapi import install_openapi
from seatgate.http.problems import install_problem_handlers
from seatgate.http.request_id import RequestId
from seatgate.idempotency.deps import ReplayedRefusal, replayed_refusal
from seatgate.observability.api import router as metrics_router
from seatgate.observability.exposition import PoolGauges, ReadinessGauges
from seatgate.operator.api import router as operator_router
from seatgate.payments.api import router as payments_router
from seatgate.queue.api import router as queue_router
from seatgate.reservations.api import router as reservations_router
from seatgate.resources import Resources
from seatgate.settings import Settings, get_settings
from seatgate.users.api import dev_router
from seatgate.users.api import router as users_router
from seatgate.web.api import router as web_router
from seatgate.workers import WorkerGroup, in_process_workers


def edge_middleware(settings: Settings) -> list[Middleware]:
    """The pure-ASGI pieces around the app, outermost first: every answer and log line
    carries the request id; every answer, the 500 included, is measured and logged; a
    refused body never reaches a route."""
    return [
        Middleware(RequestId),
        Middleware(ObserveRequests, observers=(count_request, log_request)),
        Middleware(LastResort),
        Middleware(DeclaredBody, max_body_bytes=settings.max_body_bytes),
        Middleware(BodyLimit, max_body_bytes=settings.max_body_bytes),
    ]


async def background_workers(resources: Resources, stop: asyncio.Event) -> None:
    """The scheduler, relay and consumer as one worker: `seatgate serve` with several API
    workers runs it in one process of its own instead of in each of them."""
    group = WorkerGroup(resources, in_process_workers())
    group.start()
    try:
        await stop.wait()
    finally:
        await group.stop()


def create_app(settings: Settings | None = None, *, resources: Resources | None = None) -> FastAPI:
    settings = settings or (resources.settings if resources else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = resources is None
        app.state.resources = resources or await Resources.open(settings)
        pool_gauges = PoolGauges(app.state.resources.pool)
        pool_gauges.start()
        readiness_gauges = ReadinessGauges(app.state.resources)
        readiness_gauges.start()
        workers = None
        if settings.run_workers_in_process:
            workers = WorkerGroup(app.state.resources, in_process_workers())
            workers.start()
        try:
            yield
        finally:
            if workers is not None:
                await workers.stop()
            await readiness_gauges.stop()
            await pool_gauges.stop()
            if owned:
                await app.state.resources.close()

    app = FastAPI(
        title="seatgate",
        version="1",
        description="Concert ticketing: waiting room, seat reservations, payments.",
        lifespan=lifespan,
        middleware=edge_middleware(settings),
    )
    if resources is not None:
        app.state.resources = resources
    install_problem_handlers(app)
    app.add_exception_handler(ReplayedRefusal, replayed_refusal)
    install_openapi(app, settings)

    app.include_router(health_router)
    app.include_router(users_router)
    app.include_router(queue_router)
    app.include_router(catalog_router)
    app.include_router(reservations_router)
    app.include_router(payments_router)
    if settings.dev_endpoints_enabled:
        app.include_router(dev_router)
    app.include_router(metrics_router)
    app.include_router(operator_router)
    app.include_router(web_router)

    return app
