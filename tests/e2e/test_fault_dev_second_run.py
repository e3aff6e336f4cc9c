"""One `seatgate dev` per data directory, and the commands find it.

A second run on the same directory refuses with one line and touches nothing (it
used to stop the first run's PostgreSQL); commands run with no server in their
environment use the running stack; a run killed with SIGKILL leaves nothing that
blocks the next one, and its stale state file misleads no command.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from tests.dev_process import DevRun, seatgate, start_dev, stop_dev, wait_ready
from tests.servers import clean_env


def run_command(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        seatgate(*args),
        env=clean_env(SEATGATE_DATA_DIR=str(data_dir)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def balance_of(dev: DevRun, user: dict[str, object]) -> object:
    """The user's balance, read through `dev`'s API."""
    answer = httpx.get(
        f"{dev.base}/api/v1/users/me/balance",
        headers={"Authorization": f"Bearer {user['token']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["balance"]


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_second_dev_refuses_with_one_line_and_commands_find_the_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_dev(data_dir)
    second: DevRun | None = None
    try:
        wait_ready(first)
        postmaster = first.postmaster_pid()

        created = run_command(data_dir, "users", "create", "--balance", "4321")
        assert created.returncode == 0, created.stderr
        assert f"using the seatgate dev stack on {data_dir}/ (pid {first.process.pid}" in (
            created.stderr
        )
        user = json.loads(created.stdout)
        assert balance_of(first, user) == 4321
        doctor = run_command(data_dir, "doctor")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr

        second = start_dev(data_dir)
        assert second.process.wait(timeout=60) != 0
        lines = second.stderr().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"seatgate dev: another seatgate dev (pid {first.process.pid})")
        assert f"(API {first.base})" in lines[0]
        assert "fix:" in lines[0]

        assert httpx.get(f"{first.base}/readyz", timeout=10).status_code == 200
        assert first.postmaster_pid() == postmaster, "the first run's PostgreSQL was restarted"
        assert balance_of(first, user) == 4321
        assert first.state is not None
        assert first.state.pid == first.process.pid
        assert stop_dev(first) == []
    finally:
        for run in (first, second):
            if run is not None and run.process.poll() is None:
                run.process.kill()


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_killed_dev_leaves_nothing_that_blocks_the_next_or_misleads_a_command(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    first = start_dev(data_dir)
    runs = [first]
    try:
        wait_ready(first)
        user = httpx.post(f"{first.base}/api/v1/dev/users", json={"balance": 55}, timeout=10).json()

        # SIGKILL: no clean-up runs; the servers die with their parent.
        servers = psutil.Process(first.process.pid).children()
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
        _, alive = psutil.wait_procs(servers, timeout=30)
        assert alive == []
        assert first.state is not None, "the killed run's state file stays behind"
        orphaned = run_command(data_dir, "users", "create")
        assert orphaned.returncode != 0
        assert "SEATGATE_DATABASE_URL is not set" in orphaned.stderr

        again = start_dev(data_dir)
        runs.append(again)
        wait_ready(again)
        assert balance_of(again, user) == 55
        assert again.state is not None
        assert again.state.pid == again.process.pid
        assert stop_dev(again) == []
        assert again.state is None
    finally:
        for run in runs:
            if run.process.poll() is None:
                run.process.kill()
