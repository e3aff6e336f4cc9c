"""The servers a test run talks to: the ones named in SEATGATE_TEST_* or embedded ones.

Each run gets its own database and its own Redis key prefix, so runs and
machines' other users never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from seatgate.db.migrate import upgrade
from seatgate.embedded.stack import EmbeddedStack, drop_database, ensure_database


@dataclass(frozen=True)
class RunServers:
    admin_database_url: str
    database_url: str
    redis_url: str
    kafka_bootstrap_servers: str
    redis_key_prefix: str
    run_id: str
    redis_cluster: bool = False


def start_servers(stack: EmbeddedStack, cluster_url: str | None = None) -> RunServers:
    """The run's servers; with `cluster_url`, Redis is that Redis Cluster's start-up node."""
    run_id = uuid.uuid4().hex[:10]
    admin_url = os.environ.get("SEATGATE_TEST_DATABASE_URL") or stack.start_postgres(port=0)
    redis_url = (
        cluster_url or os.environ.get("SEATGATE_TEST_REDIS_URL") or stack.start_redis(port=0)
    )
    kafka = os.environ.get("SEATGATE_TEST_KAFKA_BOOTSTRAP_SERVERS") or stack.start_kafka(port=0)
    database_url = asyncio.run(ensure_database(admin_url, f"seatgate_test_{run_id}"))
    return RunServers(
        admin_database_url=admin_url,
        database_url=database_url,
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka,
        redis_key_prefix=f"seatgate-test-{run_id}:",
        run_id=run_id,
        redis_cluster=cluster_url is not None,
    )


def database_name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1].split("?", maxsplit=1)[0]


@contextmanager
def private_database(servers: RunServers, purpose: str) -> Iterator[str]:
    """A migrated database of its own on the run's server, for a test whose API other
    tests must not touch (they truncate the shared one) or that cuts its database off."""
    url = asyncio.run(
        ensure_database(servers.admin_database_url, f"seatgate_{purpose}_{servers.run_id}")
    )
    upgrade(url)
    try:
        yield url
    finally:
        asyncio.run(drop_database(servers.admin_database_url, database_name(url)))


def embedded_root(tmp_root: Path) -> Path:
    root = tmp_root / "embedded"
    root.mkdir(parents=True, exist_ok=True)
    return root


def clean_env(**changes: str) -> dict[str, str]:
    """The base environment of every `seatgate` subprocess: no outer SEATGATE_* variable,
    no `.env`, no running dev stack to find (tests/__init__.py) and no metrics directory
    of another process; then `changes`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEATGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["SEATGATE_ENV_FILE"] = ""
    env["SEATGATE_DATA_DIR"] = os.environ["SEATGATE_DATA_DIR"]  # the run's empty one
    env.update(changes)
    return env


def cli_env(servers: RunServers, **changes: str) -> dict[str, str]:
    """Environment for a `seatgate` subprocess on this run's servers."""
    env = clean_env()
    env.update(
        {
            "SEATGATE_PROFILE": "test",
            "SEATGATE_DATABASE_URL": servers.database_url,
            "SEATGATE_REDIS_URL": servers.redis_url,
            "SEATGATE_REDIS_CLUSTER": str(servers.redis_cluster).lower(),
            "SEATGATE_REDIS_KEY_PREFIX": servers.redis_key_prefix,
            "SEATGATE_KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap_servers,
        }
    )
    env.update(changes)
    return env
