"""What `seatgate doctor` checks, each as a row: ✅ or ❌, what it saw, and the fix.

The start-up checks of every process (settings, dependency reachability) plus what
bites only under load or from elsewhere: pool size against concurrency and
PostgreSQL's connection budget, the broker's topics, Prometheus' targets, and
whether the load-test target answers from where k6 runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from seatgate.checks import CheckResult, check_dependencies, first_line, kafka_topics
from seatgate.settings import Settings, SettingsError, load_settings

# Processes that each hold their own pool besides the API workers.
SIDE_PROCESSES = ("relay", "consumer", "scheduler")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104
_FIELD_OF_DEPENDENCY = {
    "database": "database_url",
    "redis": "redis_url",
    "kafka": "kafka_bootstrap_servers",
}


@dataclass(frozen=True)
class Row:
    check: str
    ok: bool
    detail: str
    fix: str = ""


def _split_fix(line: str) -> tuple[str, str]:
    detail, _, fix = line.partition("; fix: ")
    return detail, fix


def load_for_doctor(
    overrides: dict[str, Any],  # settings as `load_settings` takes them, any type
) -> tuple[Settings | None, list[Row], set[str]]:
    """Settings with every bad value reported as a row and replaced by its default, so
    the other checks still run; the names of the replaced fields are returned too."""
    rows: list[Row] = []
    replaced: set[str] = set()
    values = dict(overrides)
    while True:
        try:
            settings = load_settings(**values)
        except SettingsError as error:
            detail, fix = _split_fix(str(error))
            field = error.field
            rows.append(Row("settings", False, detail, fix))
            if field not in Settings.model_fields or field in replaced:
                return None, rows, replaced
            replaced.add(field)
            values[field] = Settings.model_fields[field].default
            continue
        if not rows:
            rows.append(Row("settings", True, f"valid (profile {settings.profile})"))
        return settings, rows, replaced


def dependency_rows(results: list[CheckResult], replaced: set[str]) -> list[Row]:
    rows = []
    for result in results:
        field = _FIELD_OF_DEPENDENCY[result.name]
        if field in replaced:
            rows.append(
                Row(
                    result.name,
                    False,
                    f"not checked: SEATGATE_{field.upper()} is invalid",
                    "correct the setting (see the settings row)",
                )
            )
        elif result.ok:
            rows.append(Row(result.name, True, f"{result.detail} in {result.latency_ms:.1f} ms"))
        else:
            detail, fix = _split_fix(result.line())
            rows.append(Row(result.name, False, detail, fix or result.fix))
    return rows


async def _connection_budget(settings: Settings) -> tuple[int, int]:
    assert settings.database_url is not None
    conn = await asyncpg.connect(settings.database_url, timeout=settings.connect_timeout_seconds)
    try:
        maximum = int(await conn.fetchval("SHOW max_connections"))
        reserved = int(await conn.fetchval("SHOW superuser_reserved_connections"))
    finally:
        await conn.close()
    return maximum, reserved


async def pool_row(settings: Settings, in_flight: int, database_ok: bool) -> Row:
    """Each worker needs a connection per DB transaction in flight; all processes together
    must fit in PostgreSQL's max_connections (the report's pool of 3 fails the first)."""
    pool, workers = settings.db_pool_size, settings.http_workers
    if pool < in_flight:
        return Row(
            "db pool",
            False,
            f"SEATGATE_DB_POOL_SIZE={pool} < {in_flight} transactions in flight per worker",
            f"set SEATGATE_DB_POOL_SIZE to {in_flight} or more (or add workers)",
        )
    detail = f"{pool} per process × {workers} API workers ≥ {in_flight} in flight per worker"
    if not database_ok:
        return Row(
            "db pool",
            False,
            f"{detail}; max_connections not checked (database down)",
            "fix the database row first",
        )
    try:
        maximum, reserved = await _connection_budget(settings)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        # Reachable a moment ago (the database row), gone now: still a row, not a traceback.
        return Row(
            "db pool",
            False,
            f"{detail}; max_connections not read ({first_line(error)})",
            "check the database (SEATGATE_DATABASE_URL) and run doctor again",
        )
    total = pool * (workers + len(SIDE_PROCESSES))
    usable = maximum - reserved
    if total > usable:
        return Row(
            "db pool",
            False,
            f"{pool} × ({workers} API workers + {len(SIDE_PROCESSES)} side processes) = "
            f"{total} connections > {usable} PostgreSQL allows",
            "lower SEATGATE_DB_POOL_SIZE or SEATGATE_HTTP_WORKERS, or raise max_connections",
        )
    return Row("db pool", True, f"{detail}; {total} of {usable} PostgreSQL connections")


async def topics_row(settings: Settings) -> Row:
    from seatgate.messaging.topics import all_topics

    bootstrap = settings.kafka_bootstrap_servers or ""
    try:
        present = await asyncio.to_thread(kafka_topics, bootstrap, settings.connect_timeout_seconds)
    except Exception as error:  # confluent-kafka raises KafkaException or its own errors
        return Row(
            "kafka topics",
            False,
            f"topics not listed ({first_line(error)})",
            "check the broker (SEATGATE_KAFKA_BOOTSTRAP_SERVERS) and run doctor again",
        )
    missing = [name for name in all_topics(settings) if name not in present]
    if missing:
        return Row(
            "kafka topics",
            False,
            f"missing: {', '.join(missing)}",
            "start `seatgate relay` once (it creates every topic and its .dlq) "
            "or create them with the configured partitions",
        )
    return Row("kafka topics", True, f"all {len(all_topics(settings))} present (with .dlq)")


async def prometheus_row(url: str, timeout: float) -> Row:
    base = url.rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            response = await http.get(f"{base}/api/v1/targets", params={"state": "active"})
            response.raise_for_status()
            targets = response.json()["data"]["activeTargets"]
    except (httpx.HTTPError, KeyError, ValueError) as error:
        return Row(
            "prometheus",
            False,
            f"{base} does not answer /api/v1/targets ({type(error).__name__})",
            "start Prometheus (`make monitor` locally) or pass its URL to --prometheus",
        )
    down = [f"{t['labels'].get('job')} {t['scrapeUrl']}" for t in targets if t["health"] != "up"]
    if not targets or down:
        return Row(
            "prometheus",
            False,
            f"targets down: {'; '.join(down)}" if down else "no targets configured",
            "start the process, or fix its --metrics-port / ops/prometheus/prometheus.yml",
        )
    return Row("prometheus", True, f"{len(targets)} targets up")


async def target_rows(url: str, *, from_container: bool, timeout: float) -> list[Row]:
    rows = []
    host = urlsplit(url).hostname or ""
    if from_container and host in LOOPBACK_HOSTS:
        rows.append(
            Row(
                "load target host",
                False,
                f"{host} inside the k6 container is the container itself "
                "(the report's `dial: i/o timeout`)",
                "use the app's service name (e.g. http://api:8000) or host.docker.internal",
            )
        )
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            response = await http.get(f"{url.rstrip('/')}/healthz")
        ok = response.status_code == 200
        detail = f"{url}/healthz answered {response.status_code}"
    except httpx.HTTPError as error:
        ok, detail = False, f"{url}/healthz unreachable ({type(error).__name__})"
    fix = "" if ok else "start the API there, or pass the URL k6 will use to --target"
    rows.append(Row("load target", ok, detail, fix))
    return rows


async def run_checks(
    settings: Settings | None,
    replaced: set[str],
    *,
    in_flight: int,
    prometheus: str | None,
    target: str | None,
    from_container: bool,
) -> list[Row]:
    rows: list[Row] = []
    timeout = settings.connect_timeout_seconds if settings else 3.0
    if settings is not None:
        results = await check_dependencies(settings)
        rows += dependency_rows(results, replaced)
        ok = {
            result.name: result.ok and _FIELD_OF_DEPENDENCY[result.name] not in replaced
            for result in results
        }
        rows.append(await pool_row(settings, in_flight, ok["database"]))
        if ok["kafka"]:
            rows.append(await topics_row(settings))
        else:
            rows.append(
                Row(
                    "kafka topics",
                    False,
                    "not checked: the broker is not reachable",
                    "fix the kafka row first",
                )
            )
    if prometheus:
        rows.append(await prometheus_row(prometheus, timeout))
    if target:
        rows += await target_rows(target, from_container=from_container, timeout=timeout)
    return rows
