"""compose.yaml's redis-cluster-init (ops/redis/cluster-init.sh), run against six nodes of
the machine's redis-server: it forms one cluster of three masters with a replica each, and
running it again changes nothing (compose runs it on every `up`)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.ops_tools import required_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "ops/redis/cluster-init.sh"
BUS_OFFSET = 10000  # a cluster node also listens on its port + 10000


def free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + BUS_OFFSET < 65536 and port not in ports:
            ports.append(port)
    return ports


def cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout


@contextlib.contextmanager
def six_nodes(tmp_path: Path) -> Iterator[list[int]]:
    server = required_tool("redis-server", package="redis-server")
    ports = free_ports(6)
    processes = []
    try:
        for port in ports:
            directory = tmp_path / str(port)
            directory.mkdir()
            args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
            args += ["--cluster-enabled", "yes", "--save", "", "--appendonly", "no"]
            log = (directory / "redis.log").open("wb")
            processes.append(subprocess.Popen([server, *args], stdout=log, stderr=log))
        for port in ports:
            deadline = time.monotonic() + 30
            while "PONG" not in cli(port, "ping"):
                assert time.monotonic() < deadline, f"redis-server on {port} did not start"
                time.sleep(0.05)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def node_roles(port: int) -> dict[str, int]:
    roles = [line.split()[2] for line in cli(port, "cluster", "nodes").splitlines()]
    return {role: sum(role in flags for flags in roles) for role in ("master", "slave")}


def run_init(ports: list[int]) -> subprocess.CompletedProcess[str]:
    nodes = " ".join(f"127.0.0.1:{port}" for port in ports)
    return subprocess.run(
        ["sh", str(SCRIPT)],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "REDIS_CLUSTER_NODES": nodes},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cluster_init_forms_three_masters_with_a_replica_each_once(tmp_path: Path) -> None:
    with six_nodes(tmp_path) as ports:
        first = run_init(ports)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "cluster formed" in first.stdout
        assert "cluster_state:ok" in cli(ports[0], "cluster", "info")
        # Replicas are announced to the other nodes over the cluster bus, a moment later.
        deadline = time.monotonic() + 30
        while (roles := node_roles(ports[0])) != {"master": 3, "slave": 3}:
            assert time.monotonic() < deadline, roles
            time.sleep(0.1)
        again = run_init(ports)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "already formed" in again.stdout
