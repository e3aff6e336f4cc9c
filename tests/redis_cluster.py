"""A 3-master Redis Cluster on loopback from the machine's `redis-server` (7.x), for tests.

Each node gets a free port (and a free cluster bus port, port + 10000) and a directory
of its own; `redis-cli --cluster create` assigns the 16,384 slots. Also a command for
manual work: `python -m tests.redis_cluster 7101` starts one on 7101-7103 until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NODES = 3
BUS_OFFSET = 10000  # Redis Cluster's bus port is the client port + 10000
READY_SECONDS = 30.0


class ClusterUnavailable(RuntimeError):
    """redis-server is missing, or the cluster did not reach cluster_state:ok."""


@dataclass
class RedisCluster:
    ports: list[int]
    processes: list[subprocess.Popen[bytes]]
    directories: list[Path]
    node_timeout_ms: int

    @property
    def url(self) -> str:
        """One start-up node, as SEATGATE_REDIS_URL names it with SEATGATE_REDIS_CLUSTER."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def kill(self, index: int) -> None:
        self.processes[index].kill()
        self.processes[index].wait()

    def restart(self, index: int) -> None:
        """The node again, on its port and with its nodes.conf: it rejoins with its slots."""
        port, directory = self.ports[index], self.directories[index]
        self.processes[index] = _start_node(port, directory, self.node_timeout_ms)
        _wait_answering(port)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` ports whose cluster bus ports are free too (hence below 55536)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + BUS_OFFSET < 65536 and port not in ports and _free(port + BUS_OFFSET):
            ports.append(port)
    return ports


def _cli(port: int, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout + done.stderr


def _wait_ok(ports: list[int]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if all("cluster_state:ok" in _cli(port, "cluster", "info") for port in ports):
            return
        time.sleep(0.1)
    raise ClusterUnavailable(f"cluster on {ports} not ok after {READY_SECONDS:.0f} s")


def _start_node(port: int, directory: Path, node_timeout_ms: int) -> subprocess.Popen[bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
    args += ["--cluster-node-timeout", str(node_timeout_ms)]
    args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    log = (directory / "redis.log").open("wb")
    return subprocess.Popen(
        ["redis-server", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@contextlib.contextmanager
def redis_cluster(
    ports: list[int] | None = None, *, node_timeout_ms: int = 15000
) -> Iterator[RedisCluster]:
    """A fresh cluster, stopped and removed on exit. A node silent for `node_timeout_ms`
    is failed by the others (Redis' default 15 s; a test of failure shortens it)."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        raise ClusterUnavailable("redis-server/redis-cli not found (Debian: redis-server)")
    ports = ports or free_ports(NODES)
    with tempfile.TemporaryDirectory(prefix="seatgate-cluster-") as tmp:
        directories = [Path(tmp) / str(port) for port in ports]
        processes = [
            _start_node(port, directory, node_timeout_ms)
            for port, directory in zip(ports, directories, strict=True)
        ]
        cluster = RedisCluster(ports, processes, directories, node_timeout_ms)
        try:
            for port in ports:
                _wait_answering(port)
            nodes = [f"127.0.0.1:{port}" for port in ports]
            create = ["--cluster", "create", *nodes, "--cluster-replicas", "0"]
            created = _cli(ports[0], *create, stdin="yes\n")
            if "All 16384 slots covered" not in created:
                raise ClusterUnavailable(f"redis-cli --cluster create failed: {created[-300:]}")
            _wait_ok(ports)
            yield cluster
        finally:
            for process in cluster.processes:
                if process.poll() is None:
                    process.terminate()
            for process in cluster.processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_answering(port: int) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while "PONG" not in _cli(port, "ping"):
        if time.monotonic() > deadline:
            raise ClusterUnavailable(f"redis-server on {port} did not answer")
        time.sleep(0.05)


def main() -> None:
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 7101
    # SIGTERM ends like Ctrl-C: the context below stops the nodes. (Blocking the signals
    # instead would be inherited by the redis-servers, which then ignore SIGTERM.)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with redis_cluster([first + index for index in range(NODES)]) as cluster:
        print(f"Redis Cluster up: {cluster.url} (nodes {cluster.ports}); Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
