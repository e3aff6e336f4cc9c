"""`seatgate dev` (what `make run` calls) on a fully embedded stack: ready, stops
cleanly on SIGTERM and SIGINT without stray processes, and keeps its data."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.dev_process import start_dev, stop_dev, wait_ready


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_dev_runs_the_whole_stack_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    dev = start_dev(tmp_path / "data")
    try:
        wait_ready(dev)
        ready = httpx.get(f"{dev.base}/readyz", timeout=10).json()
        checks = {name: check["ok"] for name, check in ready["checks"].items()}
        assert {"database", "redis"} <= checks.keys()
        assert all(checks.values()), checks
        user = httpx.post(f"{dev.base}/api/v1/dev/users", json={"balance": 777}, timeout=10).json()
        assert stop_dev(dev, signal.SIGTERM) == []
        assert dev.process.returncode == 0
        assert dev.state is None, "a clean stop removes the state file"
    finally:
        if dev.process.poll() is None:
            dev.process.kill()

    port = int(dev.base.rsplit(":", 1)[1])
    again = start_dev(tmp_path / "data", port)
    try:
        wait_ready(again)
        balance = httpx.get(
            f"{again.base}/api/v1/users/me/balance",
            headers={"Authorization": f"Bearer {user['token']}"},
            timeout=10,
        )
        assert balance.json() == {"user_id": user["user_id"], "balance": 777}
        assert stop_dev(again, signal.SIGINT) == []
        assert again.process.returncode == 0
    finally:
        if again.process.poll() is None:
            again.process.kill()
