"""The servers a benchmark runs on: the ones named in SEATGATE_DATABASE_URL (and, when
asked for, SEATGATE_REDIS_URL and SEATGATE_KAFKA_BOOTSTRAP_SERVERS), embedded ones for the
rest, and a migrated database of the benchmark's own, dropped at the end."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seatgate.db.migrate import upgrade
from seatgate.embedded.stack import EmbeddedStack, drop_database, ensure_database
from seatgate.settings import Settings, load_settings


@contextmanager
def bench_settings(
    *, redis: bool = False, kafka: bool = False, **overrides: Any
) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="seatgate-bench-") as tmp:
        stack = EmbeddedStack(Path(tmp))
        admin_url = os.environ.get("SEATGATE_DATABASE_URL") or stack.start_postgres(port=0)
        name = f"seatgate_bench_{uuid.uuid4().hex[:8]}"
        database_url = asyncio.run(ensure_database(admin_url, name))
        try:
            upgrade(database_url)
            values: dict[str, Any] = {"database_url": database_url, **overrides}
            if redis:
                values["redis_url"] = os.environ.get("SEATGATE_REDIS_URL") or stack.start_redis(
                    port=0
                )
                values["redis_key_prefix"] = f"{name}:"
            if kafka:
                values["kafka_bootstrap_servers"] = os.environ.get(
                    "SEATGATE_KAFKA_BOOTSTRAP_SERVERS"
                ) or stack.start_kafka(port=0)
                values["kafka_topic_prefix"] = f"{name}."
            yield load_settings(**values)
        finally:
            asyncio.run(drop_database(admin_url, name))
            stack.stop()
