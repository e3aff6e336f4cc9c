"""One scheduler acts at a time: leadership is a session-level PostgreSQL advisory lock.

The lock lives on a dedicated connection; if the leader crashes or its connection
drops, PostgreSQL releases the lock and the next scheduler's attempt wins it.
"""

from __future__ import annotations

import logging

import asyncpg

log = logging.getLogger("seatgate.scheduler")

SCHEDULER_LOCK_KEY = 7_300_002


class Leadership:
    def __init__(self, dsn: str, *, lock_key: int = SCHEDULER_LOCK_KEY, timeout: float) -> None:
        self._dsn = dsn
        self._lock_key = lock_key
        self._timeout = timeout
        self._conn: asyncpg.Connection | None = None
        self.is_leader = False

    async def refresh(self) -> bool:
        """Keep or try to take leadership; returns whether this process leads now."""
        try:
            if self._conn is None or self._conn.is_closed():
                self.is_leader = False
                self._conn = await asyncpg.connect(self._dsn, timeout=self._timeout)
            if self.is_leader:
                # Proves the session, and so the lock, is still alive.
                await self._conn.fetchval("SELECT 1", timeout=self._timeout)
            else:
                self.is_leader = bool(
                    await self._conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._lock_key, timeout=self._timeout
                    )
                )
                if self.is_leader:
                    log.info("scheduler leadership acquired")
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            if self.is_leader:
                log.warning("scheduler leadership lost", extra={"error": str(error)})
            self.is_leader = False
            await self.close()
        return self.is_leader

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self.is_leader = False
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=self._timeout)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                conn.terminate()
