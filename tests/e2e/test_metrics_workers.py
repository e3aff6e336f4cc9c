"""`seatgate serve --workers 2`: one scrape of /metrics sees both worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from seatgate.embedded.process import choose_port
from seatgate.settings import Settings

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
    port = choose_port(None)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEATGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "SEATGATE_PROFILE": "test",
            "SEATGATE_DATABASE_URL": settings.database_url or "",
            "SEATGATE_REDIS_URL": settings.redis_url or "",
            "SEATGATE_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "SEATGATE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
            "SEATGATE_DB_POOL_SIZE": str(POOL_SIZE),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "seatgate", "serve", "--workers", str(WORKERS), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Both workers have opened their pools once the summed pool size says so.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {process.stderr.read() if process.stderr else ''}")
            try:
                pool = samples(scrape(base), "seatgate_db_pool_size")
                if pool.get((), 0) == POOL_SIZE * WORKERS:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("the scrape never summed both workers' pools")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_one_scrape_sums_every_worker(two_workers: str) -> None:
    base = two_workers
    requests = 60
    for _ in range(requests):
        response = httpx.get(f"{base}/healthz", timeout=5, headers={"Connection": "close"})
        assert response.status_code == 200

    # Whichever worker answers, it reports every worker's requests and both pools.
    for _ in range(4):
        text = scrape(base)
        healthz = samples(text, "http_requests_total")
        assert healthz[(("method", "GET"), ("route", "/healthz"), ("status", "200"))] == requests
        assert samples(text, "seatgate_db_pool_size")[()] == POOL_SIZE * WORKERS
        assert samples(text, "seatgate_db_pool_in_use")[()] >= 0
