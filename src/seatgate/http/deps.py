"""FastAPI dependencies shared by every feature's `api.py`.

All are `async def` though none awaits: FastAPI runs a plain `def` dependency in a
worker thread, a thread hop (and GIL hand-off) per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from seatgate.errors import Unauthenticated
from seatgate.identity.tokens import user_id_from_token
from seatgate.resources import Resources
from seatgate.settings import Settings


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def current_user_id(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <user token>")] = None,
) -> int:
    """The caller's user id. Reads the settings itself instead of through `SettingsDep`:
    every authenticated request solves this, and each dependency level costs FastAPI's
    solver time per request (ADR 0007)."""
    settings: Settings = request.app.state.resources.settings
    if not authorization:
        raise Unauthenticated("Authorization: Bearer <user token> is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <user token>'")
    return user_id_from_token(settings, token.strip())


CurrentUserId = Annotated[int, Depends(current_user_id)]
