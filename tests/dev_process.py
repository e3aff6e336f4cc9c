"""`seatgate dev` as a subprocess on a temporary data directory, for the e2e tests of
the embedded stack: start it, wait until it answers, find its servers, stop it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from seatgate.embedded.process import choose_port
from seatgate.embedded.state import DevState, read_state
from tests.servers import clean_env

READY_TIMEOUT_SECONDS = 120


def seatgate(*args: str) -> list[str]:
    return [sys.executable, "-m", "seatgate", *args]


@dataclass
class DevRun:
    process: subprocess.Popen[bytes]
    data_dir: Path
    base: str
    log: Path

    @property
    def state(self) -> DevState | None:
        return read_state(self.data_dir)

    def stderr(self) -> str:
        return self.log.with_suffix(".err").read_text(errors="replace")

    def stdout(self) -> str:
        return self.log.read_text(errors="replace")

    def child(self, name: str) -> psutil.Process:
        """The live embedded server whose command name starts with `name`."""
        for child in psutil.Process(self.process.pid).children():
            if child.is_running() and child.name().startswith(name):
                return child
        pytest.fail(f"no live {name} child of seatgate dev")

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def start_dev(data_dir: Path, port: int | None = None, **env: str) -> DevRun:
    port = port or choose_port(None)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"dev-{port}-{time.monotonic_ns()}.log"
    with log.open("wb") as out, log.with_suffix(".err").open("wb") as err:
        process = subprocess.Popen(
            seatgate("dev"),
            env=clean_env(SEATGATE_DATA_DIR=str(data_dir), SEATGATE_HTTP_PORT=str(port), **env),
            stdout=out,
            stderr=err,
        )
    return DevRun(process, data_dir, f"http://127.0.0.1:{port}", log)


def readyz(base: str) -> int | None:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code
    except httpx.HTTPError:
        return None


def wait_ready(dev: DevRun, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Until /readyz answers 200 and the state file is written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dev.process.poll() is not None:
            pytest.fail(f"seatgate dev exited {dev.process.returncode}: {dev.stderr()}")
        if readyz(dev.base) == 200 and dev.state is not None:
            return
        time.sleep(0.5)
    pytest.fail(f"seatgate dev did not become ready: {dev.stderr()}")


def stop_dev(dev: DevRun, sig: int = signal.SIGTERM) -> list[psutil.Process]:
    """Stop it with `sig`; returns the embedded servers still alive 15 s later."""
    if dev.process.poll() is not None:
        return []
    children = psutil.Process(dev.process.pid).children(recursive=True)
    dev.process.send_signal(sig)
    try:
        dev.process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        dev.process.kill()
        raise
    _, alive = psutil.wait_procs(children, timeout=15)
    return list(alive)
