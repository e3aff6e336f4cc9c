"""Several of everything on one machine: API processes behind HAProxy, relays, consumers
and schedulers, each a real `seatgate` process, against one PostgreSQL, a Redis Cluster
and the broker (tests/e2e/test_scale_out.py; `make scale-out` prints its figures).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from seatgate.embedded.process import choose_port

SERVE_SECONDS = 60.0

HAPROXY_CONFIG = """\
global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend api
    bind 127.0.0.1:{port}
    default_backend apis
backend apis
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz
{servers}
"""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash, no clean-up (its PostgreSQL sessions die with it)."""
        self.popen.kill()
        self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""


@dataclass
class Fleet:
    """The balancer's URL and every process, by role."""

    url: str
    apis: list[str]
    processes: dict[str, list[Process]] = field(default_factory=dict)

    def role(self, name: str) -> list[Process]:
        return self.processes.setdefault(name, [])

    def dead(self) -> list[str]:
        return [
            f"{process.name}: {process.tail()}"
            for group in self.processes.values()
            for process in group
            if not process.alive()
        ]


def _start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Process:
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(  # our own interpreter and arguments
            [sys.executable, "-m", "seatgate", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Process(name, popen, log)


def _wait_healthy(url: str, process: Process) -> None:
    deadline = time.monotonic() + SERVE_SECONDS
    while True:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited: {process.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} did not answer /healthz: {process.tail()}")
        time.sleep(0.2)


def with_application_name(database_url: str, name: str) -> str:
    """The URL with `application_name`: pg_stat_activity then tells the processes apart."""
    joiner = "&" if "?" in database_url else "?"
    return f"{database_url}{joiner}application_name={name}"


@contextlib.contextmanager
def fleet(env: dict[str, str], logs: Path, *, copies: int = 2) -> Iterator[Fleet]:
    """`copies` of each of API (behind HAProxy), relay, consumer and scheduler, stopped
    on exit. `env` is the seatgate environment they share."""
    database_url = env["SEATGATE_DATABASE_URL"]
    ports = [choose_port(None) for _ in range(copies)]
    started = Fleet(url="", apis=[f"http://127.0.0.1:{port}" for port in ports])
    try:
        for role, args in (
            ("relay", ["relay", "--metrics-port", "0"]),
            ("consumer", ["consume", "--metrics-port", "0"]),
            ("scheduler", ["scheduler", "--metrics-port", "0"]),
        ):
            for index in range(1, copies + 1):
                name = f"{role}-{index}"
                own = {**env, "SEATGATE_DATABASE_URL": with_application_name(database_url, name)}
                started.role(role).append(_start(name, args, own, logs))
        for index, port in enumerate(ports, start=1):
            args = ["serve", "--port", str(port), "--workers", "1"]
            started.role("api").append(_start(f"api-{index}", args, env, logs))
        for url, process in zip(started.apis, started.role("api"), strict=True):
            _wait_healthy(url, process)
        started.url = _start_haproxy(started, ports, logs)
        yield started
    finally:
        for group in reversed(list(started.processes.values())):
            for process in group:
                process.stop()


def _start_haproxy(started: Fleet, ports: list[int], logs: Path) -> str:
    port = choose_port(None)
    servers = "\n".join(
        f"    server api{index} 127.0.0.1:{api_port} check inter 500ms"
        for index, api_port in enumerate(ports, start=1)
    )
    config = logs / "haproxy.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    log = logs / "haproxy.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    process = Process("haproxy", popen, log)
    started.role("balancer").append(process)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, process)
    return url
