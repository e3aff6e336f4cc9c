"""One command, one transaction: the unit of work rolls back unless committed.

The database's transaction is the only transaction manager seatgate has; the
outbox row of every change is written through the same connection.
"""

from __future__ import annotations

from types import TracebackType
from typing import cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction


class UnitOfWork:
    """`async with UnitOfWork(pool) as uow: ...; await uow.commit()`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: PoolConnectionProxy | None = None
        self._tx: Transaction | None = None
        self._done = False

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        # The pool hands out a proxy that forwards every call to its connection;
        # asyncpg itself counts it as one (`isinstance(proxy, Connection)` is true).
        return cast(asyncpg.Connection, self._conn)

    async def __aenter__(self) -> UnitOfWork:
        conn = await self._pool.acquire()
        try:
            self._tx = conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._pool.release(conn)
            raise
        self._conn = conn
        return self

    @property
    def _transaction(self) -> Transaction:
        if self._tx is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._tx

    async def commit(self) -> None:
        await self._transaction.commit()
        self._done = True

    async def rollback(self) -> None:
        if not self._done:
            await self._transaction.rollback()
            self._done = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not self._done and not _closed(conn):
                await self._transaction.rollback()
        finally:
            await self._pool.release(conn)


def _closed(conn: PoolConnectionProxy) -> bool:
    # A connection closed under us (a command deadline, a killed backend) may already be
    # detached from its pool proxy, which then refuses every call, is_closed() included.
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True
