"""`seatgate dev` (what `make run` calls) on a fully embedded stack: ready, stops
cleanly on SIGTERM and SIGINT without stray processes, and keeps its data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from seatgate.embedded.process import choose_port


def start_dev(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEATGATE_")}
    env.update({"SEATGATE_DATA_DIR": str(data_dir), "SEATGATE_HTTP_PORT": str(port)})
    return subprocess.Popen(
        [sys.executable, "-m", "seatgate", "dev"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(
    process: subprocess.Popen[str], base: str, timeout: float = 120
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"seatgate dev exited: {process.stderr.read() if process.stderr else ''}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=5)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("seatgate dev did not become ready")


def stop(process: subprocess.Popen[str], sig: int) -> list[psutil.Process]:
    children = psutil.Process(process.pid).children(recursive=True)
    assert children, "the embedded servers should be children of seatgate dev"
    process.send_signal(sig)
    assert process.wait(timeout=60) == 0
    _, alive = psutil.wait_procs(children, timeout=15)
    return alive


@pytest.fixture
def dev_port() -> int:
    return choose_port(None)


def test_dev_runs_the_whole_stack_stops_cleanly_and_keeps_data(
    tmp_path: Path, dev_port: int
) -> None:
    base = f"http://127.0.0.1:{dev_port}"
    process = start_dev(tmp_path / "data", dev_port)
    try:
        ready = wait_ready(process, base)
        assert {name: check["ok"] for name, check in ready["checks"].items()} == {  # type: ignore[attr-defined]
            "database": True,
            "redis": True,
            "kafka": True,
        }
        user = httpx.post(f"{base}/api/v1/dev/users", json={"balance": 777}, timeout=10).json()
        assert stop(process, signal.SIGTERM) == []
    finally:
        if process.poll() is None:
            process.kill()

    again = start_dev(tmp_path / "data", dev_port)
    try:
        wait_ready(again, base)
        balance = httpx.get(
            f"{base}/api/v1/users/me/balance",
            headers={"Authorization": f"Bearer {user['token']}"},
            timeout=10,
        )
        assert balance.json() == {"user_id": user["user_id"], "balance": 777}
        assert stop(again, signal.SIGINT) == []
    finally:
        if again.poll() is None:
            again.kill()
