"""Number types of request bodies, defined once for every feature's schemas.py."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Strict


def _integral(value: Any) -> Any:
    # JSON has one number type: 6907.0 is the integer 6907 (and JSON Schema's "integer"
    # says so), while 6907.5, "6907" and true stay refused by the strict int check.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, Strict(), BeforeValidator(_integral)]
