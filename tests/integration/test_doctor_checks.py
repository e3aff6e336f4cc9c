"""`seatgate doctor`'s rows against real servers: each ❌ names what is wrong and its fix,
and the same check turns ✅ once the cause is gone."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from seatgate.doctor.checks import (
    load_for_doctor,
    pool_row,
    prometheus_row,
    target_rows,
    topics_row,
)
from seatgate.embedded.process import choose_port
from seatgate.messaging.topics import all_topics, ensure_topics
from seatgate.observability.monitor import Monitor, MonitorPorts, Targets
from seatgate.settings import Settings
from tests.ops_tools import tool

PLACEHOLDER = "서버 호스트/포트들.."


async def _usable_connections(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        maximum = int(await conn.fetchval("SHOW max_connections"))
        reserved = int(await conn.fetchval("SHOW superuser_reserved_connections"))
    finally:
        await conn.close()
    return maximum - reserved


async def test_pools_that_together_exceed_max_connections_are_red_with_the_sum(
    settings: Settings,
) -> None:
    usable = await _usable_connections(settings)
    too_many = settings.model_copy(update={"db_pool_size": usable, "http_workers": 2})
    row = await pool_row(too_many, in_flight=10, database_ok=True)
    assert row.ok is False
    assert f"> {usable} PostgreSQL allows" in row.detail
    assert "SEATGATE_DB_POOL_SIZE" in row.fix
    assert "max_connections" in row.fix

    fitting = settings.model_copy(update={"db_pool_size": 10, "http_workers": 1})
    row = await pool_row(fitting, in_flight=10, database_ok=True)
    assert row.ok is True, row
    assert f"of {usable} PostgreSQL connections" in row.detail


async def test_a_pool_below_the_requests_in_flight_is_red(settings: Settings) -> None:
    row = await pool_row(settings.model_copy(update={"db_pool_size": 10}), 50, True)
    assert row.ok is False
    assert "SEATGATE_DB_POOL_SIZE=10 < 50" in row.detail
    assert "set SEATGATE_DB_POOL_SIZE to 50" in row.fix


async def test_missing_topics_are_listed_until_they_exist(settings: Settings) -> None:
    fresh = settings.model_copy(update={"kafka_topic_prefix": f"doc{uuid.uuid4().hex[:8]}."})
    row = await topics_row(fresh)
    assert row.ok is False
    assert row.detail == f"missing: {', '.join(all_topics(fresh))}"
    assert "seatgate relay" in row.fix
    ensure_topics(fresh)
    row = await topics_row(fresh)
    assert row.ok is True, row


async def test_an_unreachable_load_target_is_red_and_says_where_it_looked() -> None:
    closed = f"http://127.0.0.1:{choose_port(None)}"
    (row,) = await target_rows(closed, from_container=False, timeout=1)
    assert row.ok is False
    assert row.detail.startswith(f"{closed}/healthz unreachable")
    assert "--target" in row.fix


async def test_localhost_from_a_container_is_red_even_when_it_answers_here() -> None:
    rows = await target_rows("http://localhost:9", from_container=True, timeout=1)
    host = next(row for row in rows if row.check == "load target host")
    assert host.ok is False
    assert "service name" in host.fix


def test_two_bad_settings_give_two_rows_and_the_other_checks_still_run() -> None:
    settings, rows, replaced = load_for_doctor(
        {"kafka_bootstrap_servers": PLACEHOLDER, "db_pool_size": 3}
    )
    assert settings is not None
    assert replaced == {"kafka_bootstrap_servers", "db_pool_size"}
    assert [row.ok for row in rows] == [False, False]
    details = sorted(row.detail for row in rows)
    assert details[0].startswith("SEATGATE_DB_POOL_SIZE=3 is below 10")
    assert details[1].startswith(f"SEATGATE_KAFKA_BOOTSTRAP_SERVERS='{PLACEHOLDER}'")
    assert all(row.fix for row in rows)


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_a_prometheus_whose_target_is_down_is_red_and_names_the_job(
    tmp_path: Path,
) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    nobody = f"127.0.0.1:{choose_port(None)}"
    ports = MonitorPorts(choose_port(None), choose_port(None), choose_port(None))
    monitor = Monitor(tmp_path / "monitor", Targets(api=nobody), ports)
    monitor.start()
    try:
        url = f"http://127.0.0.1:{ports.prometheus}"
        deadline = time.monotonic() + 90
        while True:
            row = await prometheus_row(url, 2)
            if not row.ok and "targets down" in row.detail:
                break
            assert time.monotonic() < deadline, f"never saw the target down: {row}"
            await asyncio.sleep(0.5)
        assert f"seatgate-api http://{nobody}/metrics" in row.detail
        assert "--metrics-port" in row.fix
    finally:
        monitor.stop()
