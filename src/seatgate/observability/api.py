"""`GET /metrics`: Prometheus exposition of every worker of this API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from seatgate.observability.exposition import latest, observe_pool

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    resources = getattr(request.app.state, "resources", None)
    if resources is not None:
        observe_pool(resources.pool)
    return Response(latest(), media_type=CONTENT_TYPE_LATEST)
