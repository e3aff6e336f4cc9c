"""What the pure-ASGI pieces of the HTTP edge share: reading a request header."""

from __future__ import annotations

from starlette.types import Scope


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case, as ASGI gives names)."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
