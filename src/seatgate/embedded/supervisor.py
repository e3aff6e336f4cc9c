"""`seatgate dev` heals: an embedded server that exits is started again on its port.

One thread per server polls it; polling reaps the dead child (no zombie holding
the postmaster's slot), then the server is started again after a back-off that
doubles from `first_delay` to `max_delay` while it keeps failing, and goes back to
`first_delay` once a restart stayed up for `stable_seconds`. Each death and each
restart is one log line naming the server, its exit code and the attempt.

The threads live until `stop()`: a restarted child gets its parent-death signal
when the thread that started it ends (PR_SET_PDEATHSIG is per thread), which is
then exactly when `seatgate dev` stops its servers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from seatgate.embedded.stack import EmbeddedServer
from seatgate.worker_runner import Backoff

log = logging.getLogger("seatgate.dev")


class Supervisor:
    def __init__(
        self,
        servers: Sequence[tuple[str, EmbeddedServer]],
        *,
        poll_seconds: float = 0.5,
        first_delay: float = 0.5,
        max_delay: float = 10.0,
        stable_seconds: float = 10.0,
    ) -> None:
        self.servers = list(servers)
        self.poll_seconds = poll_seconds
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_seconds = stable_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name, server in self.servers:
            thread = threading.Thread(
                target=self._watch, args=(name, server), name=f"supervise-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 70.0) -> None:
        """Ends the watching; a restart under way (PostgreSQL may take a minute) ends first."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def backoff(self) -> Backoff:
        return Backoff(self.first_delay, self.max_delay)

    def _watch(self, name: str, server: EmbeddedServer) -> None:
        backoff = self.backoff()
        up_since = time.monotonic()
        while not self._stop.wait(self.poll_seconds):
            if server.server.alive():
                if backoff.attempts and time.monotonic() - up_since >= self.stable_seconds:
                    backoff.reset()
                continue
            delay = backoff.next()
            attempt = backoff.attempts
            log.warning(
                "embedded server exited; restarting it",
                extra={
                    "server": name,
                    "exit_code": server.server.exit_code,
                    "attempt": attempt,
                    "restart_in_seconds": delay,
                },
            )
            if self._stop.wait(delay):
                return
            try:
                server.start()
            except (RuntimeError, OSError) as error:
                log.error(
                    "embedded server did not restart",
                    extra={"server": name, "attempt": attempt, "error": str(error)[-300:]},
                )
                continue
            up_since = time.monotonic()
            log.warning(
                "embedded server restarted",
                extra={"server": name, "attempt": attempt, "pid": server.server.pid},
            )
