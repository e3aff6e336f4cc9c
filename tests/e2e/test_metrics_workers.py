"""`seatgate serve --workers 2`: one scrape of /metrics sees both worker processes."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from seatgate.embedded.process import choose_port
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env

POOL_SIZE = 10
WORKERS = 2


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def scrape(base: str) -> str:
    # A fresh connection each time, so scrapes are not pinned to one worker.
    return httpx.get(f"{base}/metrics", timeout=5, headers={"Connection": "close"}).text


@pytest.fixture
def two_workers(settings: Settings) -> Iterator[str]:
    with running_api(
        settings, "--workers", str(WORKERS), SEATGATE_DB_POOL_SIZE=str(POOL_SIZE)
    ) as base:
        # Both workers have opened their pools once the summed pool size says so.
        deadline = time.monotonic() + 60
        while samples(scrape(base), "seatgate_db_pool_size").get((), 0) != POOL_SIZE * WORKERS:
            if time.monotonic() > deadline:
                pytest.fail("the scrape never summed both workers' pools")
            time.sleep(0.3)
        yield base


def test_one_scrape_sums_every_worker(two_workers: str) -> None:
    base = two_workers
    requests = 60
    for _ in range(requests):
        response = httpx.get(f"{base}/healthz", timeout=5, headers={"Connection": "close"})
        assert response.status_code == 200

    # Whichever worker answers, it reports every worker's requests and both pools.
    healthz = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    for _ in range(4):
        text = scrape(base)
        # The fixture's own readiness polls of /healthz count too.
        assert samples(text, "http_requests_total")[healthz] >= requests
        assert samples(text, "seatgate_db_pool_size")[()] == POOL_SIZE * WORKERS
        # Summed over workers into one series (no per-pid labels), within the summed size.
        in_use = samples(text, "seatgate_db_pool_in_use")
        assert list(in_use) == [()]
        assert 0 <= in_use[()] <= POOL_SIZE * WORKERS


def test_the_scheduler_serves_its_own_metrics_with_its_pool(settings: Settings) -> None:
    port = choose_port(None)
    process = subprocess.Popen(
        [sys.executable, "-m", "seatgate", "scheduler", "--metrics-port", str(port)],
        env=seatgate_env(settings, SEATGATE_DB_POOL_SIZE=str(POOL_SIZE)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"scheduler exited: {process.stderr.read() if process.stderr else ''}")
            with contextlib.suppress(httpx.HTTPError):
                pool = samples(scrape(f"http://127.0.0.1:{port}"), "seatgate_db_pool_size")
                if pool.get(()) == POOL_SIZE:
                    break
            if time.monotonic() > deadline:
                pytest.fail("the scheduler's /metrics never showed its pool")
            time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
