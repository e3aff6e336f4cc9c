"""The asyncpg pool: one per process, sized from settings, with deadlines.

A request must fail fast when PostgreSQL stalls, so every call through the request
pool (`create_request_pool`) has two client-side deadlines: waiting for a pooled
connection (`db_acquire_timeout_seconds`) and each command
(`db_command_timeout_seconds`). The server's `statement_timeout` cannot do this: a
stalled server enforces nothing. Command-line tools (`seed`, `users create`) use
`create_pool`, whose deadlines are the statement timeout's, since a large seed runs
for longer than any request should.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from seatgate.settings import Settings


async def _init_connection(conn: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await conn.set_type_codec(
            json_type,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (`RESET ALL; UNLISTEN *; ...`), which
    costs a round trip per checkout. asyncpg still rolls back any open transaction.
    Safe because pooled connections never carry session state: no SET, LISTEN or
    session advisory lock (the scheduler's lock lives on its own connection)."""
    del conn


class DropOnTimeoutConnection(asyncpg.Connection):
    """A connection that is closed, not cancelled, when a command passes its deadline.

    asyncpg's way is to send a CancelRequest on a second connection and keep this one;
    against a stalled server that request hangs as well, for one more command timeout,
    and the release that follows waits for it (measured with PostgreSQL stopped: a 1.5 s
    deadline answered after 2.1 s; inside a transaction the ROLLBACK waits for it as
    well). Closing at once lets the caller fail at the deadline and the
    pool open a fresh connection once the server is back. A query still running on a
    live server is ended by its `statement_timeout` or when the server sees the socket
    gone.
    """

    # asyncpg's private hook; its waiters are futures of whatever the command returns.
    def _cancel_current_command(self, waiter: Any, cancel_waiter: Any = None) -> None:
        del waiter, cancel_waiter  # completed by terminate(), which aborts the protocol
        # Not inline: asyncpg sets the caller's TimeoutError on the waiter right after.
        asyncio.get_running_loop().call_soon(self.terminate)


class DeadlinePool(asyncpg.Pool):
    """A pool whose `acquire()` (and so `fetch`, `execute`... on the pool) fails when no
    connection came back for `acquire_timeout` seconds, unless the caller gives a timeout.

    The deadline is on progress, not on the whole wait: a burst of requests beyond the
    pool on a healthy database queues behind connections that come back every few
    milliseconds and is served (200 holds at once on a pool of 20 waited ~1 s in the
    race test), while a stalled database returns none and every waiter fails at the
    deadline. How many requests may queue is bounded by `max_in_flight_requests`.
    """

    # asyncpg.Pool's own arguments, passed on as given.
    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        self.acquire_timeout = acquire_timeout
        self.healthy_releases = 0
        super().__init__(*args, **kwargs)

    # `_acquire` is the one waiting point behind `acquire()` and the pool's own
    # fetch/execute; it is private to asyncpg, so its stubs do not declare it.
    async def _acquire(self, timeout: float | None) -> PoolConnectionProxy:
        if timeout is not None or self.acquire_timeout is None:
            return await super()._acquire(timeout)  # type: ignore[misc, no-any-return]
        while True:
            returned = self.healthy_releases
            try:
                return await super()._acquire(self.acquire_timeout)  # type: ignore[misc, no-any-return]
            except TimeoutError:
                if self.healthy_releases == returned:
                    raise

    async def release(
        self, connection: PoolConnectionProxy, *, timeout: float | None = None
    ) -> None:
        # A connection closed by its command deadline is no sign that the server lives.
        if not _closed(connection):
            self.healthy_releases += 1
        await super().release(connection, timeout=timeout)


def _closed(connection: PoolConnectionProxy) -> bool:
    try:
        return bool(connection.is_closed())
    except Exception:  # a proxy already released: let release() say what is wrong
        return True


async def create_pool(
    settings: Settings,
    *,
    dsn: str | None = None,
    acquire_timeout: float | None = None,
    **overrides: Any,  # any asyncpg.create_pool option
) -> DeadlinePool:
    """Open a pool; connections come up ready with JSON codecs and timeouts."""
    url = dsn or settings.database_url
    if url is None:
        raise RuntimeError("SEATGATE_DATABASE_URL is not set")
    options: dict[str, Any] = {
        "min_size": min(4, settings.db_pool_size),
        "max_size": settings.db_pool_size,
        "max_queries": 50_000,
        "max_inactive_connection_lifetime": 300.0,
        "timeout": settings.connect_timeout_seconds,
        "command_timeout": settings.db_statement_timeout_ms / 1000 + 1,
        "init": _init_connection,
        "reset": _keep_session,
        "connection_class": asyncpg.Connection,
        "record_class": asyncpg.Record,
        "loop": None,
        "connect": None,
        "setup": None,
        "server_settings": {
            "statement_timeout": str(settings.db_statement_timeout_ms),
            "application_name": "seatgate",
        },
    }
    options.update(overrides)
    pool = DeadlinePool(url, acquire_timeout=acquire_timeout, **options)
    await pool
    return pool


async def create_request_pool(settings: Settings, **overrides: Any) -> DeadlinePool:
    """The pool of a process that serves requests (and of the workers beside it): a
    stalled server is a TimeoutError within the acquire + command deadlines, which the
    API answers as 503 DEPENDENCY_UNAVAILABLE."""
    options: dict[str, Any] = {
        # Opening a connection to a stalled server hangs too; its deadline is the same.
        "timeout": min(settings.connect_timeout_seconds, settings.db_command_timeout_seconds),
        "command_timeout": settings.db_command_timeout_seconds,
        "connection_class": DropOnTimeoutConnection,
    }
    options.update(overrides)
    return await create_pool(
        settings, acquire_timeout=settings.db_acquire_timeout_seconds, **options
    )
