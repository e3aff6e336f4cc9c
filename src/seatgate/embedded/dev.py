"""`seatgate dev`: the whole system on one machine from pip wheels.

Dependencies named in the environment are used as they are; the rest are
started embedded, with data under `data_dir` so a second run keeps it. One run
per data directory (`embedded/state.py`); servers that die are started again
(`embedded/supervisor.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from seatgate.catalog.cli import DEMO, describe
from seatgate.catalog.service import seed_now
from seatgate.checks import check_dependencies
from seatgate.db.migrate import upgrade
from seatgate.embedded.process import wait_for_port
from seatgate.embedded.stack import EmbeddedStack, ensure_database
from seatgate.embedded.state import (
    AlreadyRunning,
    DevLock,
    new_state,
    remove_state,
    write_state,
)
from seatgate.embedded.supervisor import Supervisor
from seatgate.observability.logging import configure_logging
from seatgate.serving import serve_forever
from seatgate.settings import Settings, env_name
from seatgate.startup import EXIT_ALREADY_RUNNING, EXIT_UNREACHABLE, fail

log = logging.getLogger("seatgate.dev")
DATABASE_NAME = "seatgate"


def _say(line: str) -> None:
    print(f"seatgate dev: {line}", file=sys.stderr, flush=True)


def _require_configured(settings: Settings) -> None:
    """A dependency the operator named must be reachable; we never replace it silently."""
    results = asyncio.run(check_dependencies(settings))
    configured = {
        "database": settings.database_url,
        "redis": settings.redis_url,
        "kafka": settings.kafka_bootstrap_servers,
    }
    for result in results:
        if configured[result.name] is not None and not result.ok:
            fail(result.line(), EXIT_UNREACHABLE)


def _start_missing(settings: Settings, stack: EmbeddedStack) -> Settings:
    updates: dict[str, object] = {}
    if settings.database_url is None:
        _say("starting embedded PostgreSQL ...")
        admin_url = stack.start_postgres()
        updates["database_url"] = asyncio.run(ensure_database(admin_url, DATABASE_NAME))
    if settings.redis_url is None:
        _say("starting embedded Redis ...")
        updates["redis_url"] = stack.start_redis()
    if settings.kafka_bootstrap_servers is None:
        _say("starting embedded Kafka-protocol broker (tansu, memory storage) ...")
        updates["kafka_bootstrap_servers"] = stack.start_kafka()
    for field, value in updates.items():
        os.environ[env_name(field)] = str(value)
    return settings.model_copy(update={**updates, "run_workers_in_process": True})


def _print_where(settings: Settings, embedded: set[str]) -> None:
    def origin(name: str) -> str:
        return "embedded" if name in embedded else "configured"

    _say(f"PostgreSQL  {settings.database_url}  ({origin('postgres')})")
    _say(f"Redis       {settings.redis_url}  ({origin('redis')})")
    _say(f"Kafka       {settings.kafka_bootstrap_servers}  ({origin('kafka')})")
    base = f"http://{settings.http_host}:{settings.http_port}"
    _say(f"API         {base}  (docs {base}/docs, ready {base}/readyz, metrics {base}/metrics)")


def _seed_demo(settings: Settings) -> None:
    """Demo concerts so a person can try the API at once; idempotent across restarts."""
    for line in describe(*seed_now(settings, *DEMO)):
        _say(line)


def _announce_when_listening(
    settings: Settings, data_dir: Path, stopping: threading.Event
) -> threading.Thread:
    """Writes the state file once the API accepts connections, so a command never finds
    a stack that does not answer yet."""
    state = new_state(settings)
    api = urlsplit(state.api_url)

    def announce() -> None:
        while not stopping.is_set():
            if wait_for_port(api.port or settings.http_port, 1.0, host=api.hostname or ""):
                if not stopping.is_set():
                    write_state(data_dir, state)
                    _say(f"ready; other seatgate commands find this stack in {data_dir}/")
                return

    thread = threading.Thread(target=announce, name="announce-dev", daemon=True)
    thread.start()
    return thread


def run_dev(settings: Settings) -> int:
    data_dir = Path(settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = DevLock(data_dir, settings.data_dir)
    except AlreadyRunning as busy:
        _say(str(busy))
        raise SystemExit(EXIT_ALREADY_RUNNING) from None
    remove_state(data_dir)  # a crashed run's: its PID may be reused by now
    _require_configured(settings)
    stack = EmbeddedStack(data_dir, owns_data_dir=True)
    supervisor = Supervisor([])
    stopping = threading.Event()
    announcer: threading.Thread | None = None
    try:
        settings = _start_missing(settings, stack)
        assert settings.database_url is not None
        upgrade(settings.database_url)
        _seed_demo(settings)
        configure_logging()
        _print_where(settings, {name for name, _ in stack.started})
        supervisor = Supervisor(stack.started)
        supervisor.start()
        announcer = _announce_when_listening(settings, data_dir, stopping)
        serve_forever(settings)
    except RuntimeError as error:
        fail(str(error), EXIT_UNREACHABLE)
    finally:
        stopping.set()
        if announcer is not None:
            announcer.join()
        remove_state(data_dir)
        supervisor.stop()
        stack.stop()
        lock.release()
        _say("stopped")
    return 0
