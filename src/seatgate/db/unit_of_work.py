"""One command, one transaction: the unit of work rolls back unless committed.

The database's transaction is the only transaction manager seatgate has; the
outbox row of every change is written through the same connection.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import asyncpg


class UnitOfWork:
    """`async with UnitOfWork(pool) as uow: ...; await uow.commit()`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: Any = None
        self._tx: Any = None
        self._done = False

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    async def __aenter__(self) -> UnitOfWork:
        self._conn = await self._pool.acquire()
        try:
            self._tx = self._conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._pool.release(self._conn)
            raise
        return self

    async def commit(self) -> None:
        await self._tx.commit()
        self._done = True

    async def rollback(self) -> None:
        if not self._done:
            await self._tx.rollback()
            self._done = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._done and not _closed(self._conn):
                await self._tx.rollback()
        finally:
            await self._pool.release(self._conn)
            self._conn = None


def _closed(conn: Any) -> bool:
    # A connection closed under us (a command deadline, a killed backend) may already be
    # detached from its pool proxy, which then refuses every call, is_closed() included.
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True
