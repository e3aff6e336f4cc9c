"""GET /, /ops and /assets/<version>/<name>: the pages, from memory, with cache headers.

No middleware: these routes cost the API's other paths nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.responses import HTMLResponse, Response

from seatgate.errors import NotFound
from seatgate.http.deps import SettingsDep
from seatgate.web.assets import bundle

router = APIRouter(include_in_schema=False)

# The pages load nothing from elsewhere, run no inline script, and may not be framed.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
IMMUTABLE = "public, max-age=31536000, immutable"


def _page(name: str, profile: str) -> HTMLResponse:
    return HTMLResponse(bundle().page(name, profile=profile), headers=PAGE_HEADERS)


@router.get("/")
async def buyer_page(settings: SettingsDep) -> HTMLResponse:
    return _page("index.html", settings.profile)


@router.get("/ops")
async def operator_page(settings: SettingsDep) -> HTMLResponse:
    """The console's page holds no figures: it reads them from /api/v1/ops/* with the
    operator token the operator types in (or passes as #token=…)."""
    return _page("ops.html", settings.profile)


@router.get("/assets/{version}/{name}")
async def asset(
    version: Annotated[str, Path(max_length=64)],
    name: Annotated[str, Path(max_length=64)],
    accept_encoding: Annotated[str, Header()] = "",
) -> Response:
    current = bundle()
    found = current.assets.get(name)
    if found is None:
        raise NotFound(f"No asset {name}")
    # A page of an older release may ask for its version: it gets today's file, uncached.
    headers = {
        "Cache-Control": IMMUTABLE if version == current.version else "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in accept_encoding.lower():
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
