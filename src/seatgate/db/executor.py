"""What a repository function runs its SQL on.

A read that needs no transaction runs on the pool (one checkout per statement); a
command runs on the connection of its unit of work; a few reads share one checkout
(`async with pool.acquire() as conn`). asyncpg gives these three different types
with the same statement methods, so repositories take this protocol instead of a union.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import asyncpg


class Executor(Protocol):
    """An `asyncpg.Pool`, an `asyncpg.Connection` or a pool's connection proxy."""

    async def execute(self, query: str, *args: object, timeout: float | None = ...) -> str: ...

    async def executemany(
        self, command: str, args: Iterable[Sequence[object]], *, timeout: float | None = ...
    ) -> None: ...

    async def fetch(
        self, query: str, *args: object, timeout: float | None = ...
    ) -> list[asyncpg.Record]: ...

    async def fetchrow(
        self, query: str, *args: object, timeout: float | None = ...
    ) -> asyncpg.Record | None: ...

    # asyncpg types a single value as Any: the column's type is the SQL's, so each
    # repository converts it (int(), bool()...) where it reads it.
    async def fetchval(
        self, query: str, *args: object, column: int = ..., timeout: float | None = ...
    ) -> Any: ...


def row_count(status: str) -> int:
    """The row count of a command status such as `INSERT 0 12` or `DELETE 3`."""
    return int(status.rsplit(" ", 1)[1])
