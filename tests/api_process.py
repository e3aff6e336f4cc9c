"""`seatgate` subprocesses against this run's servers (the `settings` fixture)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from seatgate.embedded.process import choose_port
from seatgate.settings import Settings
from tests.servers import clean_env


def seatgate_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a seatgate process using this test run's servers."""
    env = clean_env()
    env.update(
        {
            "SEATGATE_PROFILE": "test",
            "SEATGATE_DATABASE_URL": settings.database_url or "",
            "SEATGATE_REDIS_URL": settings.redis_url or "",
            "SEATGATE_REDIS_CLUSTER": str(settings.redis_cluster).lower(),
            "SEATGATE_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "SEATGATE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
            "SEATGATE_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
            # One worker unless a test asks for more (`--workers N`, or this variable): the
            # default is one per core, and tests that count one worker's requests in
            # flight or read its process-local state would land on either.
            "SEATGATE_HTTP_WORKERS": "1",
        }
    )
    env.update(extra)
    return env


@contextmanager
def running_api(settings: Settings, *args: str, **extra_env: str) -> Iterator[str]:
    """`seatgate serve` on a free port until the block ends; yields its base URL."""
    port = choose_port(None)
    process = subprocess.Popen(
        [sys.executable, "-m", "seatgate", "serve", "--port", str(port), *args],
        env=seatgate_env(settings, **extra_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {process.stderr.read() if process.stderr else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("seatgate serve did not answer /healthz")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
