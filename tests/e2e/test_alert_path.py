"""The report's detect → alert path, for real: the API loses its database, answers 5xx, and
Prometheus (the project's rules) fires SeatgateHighErrorRate through Alertmanager (the
project's routes) to the webhook and to Slack's URL. How long that took is printed, not
asserted (figures belong in benchmarks); the guard below only stops a test that hangs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from seatgate.doctor.checks import prometheus_row
from seatgate.embedded.process import choose_port
from seatgate.embedded.stack import with_database
from seatgate.observability.monitor import Monitor, MonitorPorts, Targets
from seatgate.settings import Settings
from tests.api_process import running_api
from tests.ops_tools import firing, received, tool
from tests.servers import RunServers, private_database

# Far above the 2–4 s measured here: only a broken path gets this far.
HANG_GUARD_SECONDS = 180
ALERT = "SeatgateHighErrorRate"


async def _admin(servers: RunServers, sql: str) -> None:
    conn = await asyncpg.connect(with_database(servers.admin_database_url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def own_database(servers: RunServers) -> Iterator[str]:
    """A database only this test's API uses, so cutting it off harms no one else."""
    with private_database(servers, "alerts") as url:
        yield url


def _cut_off(servers: RunServers, database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1].split("?", maxsplit=1)[0]
    asyncio.run(_admin(servers, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
    asyncio.run(
        _admin(
            servers,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
    )


def _wait_scraped(prometheus: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{prometheus}/api/v1/targets", timeout=2)
            targets = response.json()["data"]["activeTargets"]
            if targets and all(target["health"] == "up" for target in targets):
                return
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail("Prometheus never scraped every target")


@pytest.mark.slow
@pytest.mark.timeout(HANG_GUARD_SECONDS + 120)
def test_a_5xx_surge_reaches_the_webhook_and_slack(
    settings: Settings, servers: RunServers, own_database: str, tmp_path: Path
) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    ports = MonitorPorts(choose_port(None), choose_port(None), choose_port(None))
    with running_api(settings, SEATGATE_DATABASE_URL=own_database) as base:
        monitor = Monitor(tmp_path / "monitor", Targets(api=base.removeprefix("http://")), ports)
        monitor.start()
        try:
            prometheus = f"http://127.0.0.1:{ports.prometheus}"
            _wait_scraped(prometheus, time.monotonic() + 60)
            assert asyncio.run(prometheus_row(prometheus, 3)).ok  # doctor's check agrees

            healthy = httpx.post(f"{base}/api/v1/dev/users", json={}, timeout=5)
            assert healthy.status_code == 201
            _cut_off(servers, own_database)

            first_failure = time.monotonic()
            statuses: list[int] = []
            with httpx.Client(timeout=5) as http:
                while not firing(received(monitor.received), "/alerts", ALERT):
                    elapsed = time.monotonic() - first_failure
                    if elapsed > HANG_GUARD_SECONDS:
                        pytest.fail(f"no firing alert after {elapsed:.1f} s; got {statuses[-5:]}")
                    statuses.append(http.post(f"{base}/api/v1/dev/users", json={}).status_code)
                    time.sleep(0.05)
            delivered = time.monotonic() - first_failure
            print(f"\nfirst 5xx → webhook: {delivered:.1f} s ({len(statuses)} requests)")

            assert statuses[0] >= 500
            entries = received(monitor.received)
            alert = next(entry["body"] for entry in entries if entry["path"] == "/alerts")
            assert alert["status"] == "firing"
            assert alert["commonLabels"]["alertname"] == "SeatgateHighErrorRate"
            assert alert["commonAnnotations"]["runbook_url"].endswith("#seatgatehigherrorrate")
            # The Slack receiver is fed by the same route (its URL from the secret file).
            deadline = first_failure + HANG_GUARD_SECONDS
            while not firing(received(monitor.received), "/slack", ALERT):
                assert time.monotonic() < deadline, "Slack never got the alert"
                time.sleep(0.2)
            print(f"first 5xx → Slack: {time.monotonic() - first_failure:.1f} s")
        finally:
            monitor.stop()
