"""Start whatever is not configured: each dependency named in settings is used as is."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from seatgate.embedded.kafka import EmbeddedKafka
from seatgate.embedded.postgres import EmbeddedPostgres
from seatgate.embedded.process import ChildServer
from seatgate.embedded.redis import EmbeddedRedis

log = logging.getLogger("seatgate.embedded")


class EmbeddedServer(Protocol):
    server: ChildServer

    def start(self) -> object: ...

    def stop(self) -> None: ...


@dataclass
class EmbeddedStack:
    """Servers started by us, in start order; `stop()` stops them in reverse.

    `owns_data_dir`: the caller holds the data directory's lock (`seatgate dev`), so
    whatever still runs there is a leftover of a crashed run and may be stopped."""

    data_dir: Path
    owns_data_dir: bool = False
    started: list[tuple[str, EmbeddedServer]] = field(default_factory=list)

    def start_postgres(self, port: int | None = None) -> str:
        server = EmbeddedPostgres(self.data_dir, take_over=self.owns_data_dir, **_port(port))
        server.start()
        self.started.append(("postgres", server))
        return server.url()

    def start_redis(self, port: int | None = None) -> str:
        server = EmbeddedRedis(self.data_dir, **_port(port))
        url = server.start()
        self.started.append(("redis", server))
        return url

    def start_kafka(self, port: int | None = None) -> str:
        server = EmbeddedKafka(self.data_dir, **_port(port))
        bootstrap = server.start()
        self.started.append(("kafka", server))
        return bootstrap

    def stop(self) -> None:
        while self.started:
            name, server = self.started.pop()
            try:
                server.stop()
            except Exception:
                log.exception("could not stop embedded server", extra={"server": name})


def _port(port: int | None) -> dict[str, Any]:
    return {} if port is None else {"port": port}


async def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` on the server of `admin_url` if missing; return its URL."""
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` on the server of `admin_url`, sessions and all, if it exists."""
    conn = await asyncpg.connect(with_database(admin_url, "postgres"), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))
