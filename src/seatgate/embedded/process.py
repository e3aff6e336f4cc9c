"""A child server process that dies with its parent and stops on request."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
# Loaded once here: between fork and exec (preexec_fn) a child of a threaded process
# must not take locks such as the dynamic loader's, which another thread may hold.
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(sig: int) -> Callable[[], None]:
    def preexec() -> None:
        # A SIGKILLed `seatgate dev` must not leave servers behind. The signal comes
        # when the *thread* that started the child ends, so servers are started only
        # from threads that live as long as the process (main, supervisor).
        _LIBC.prctl(_PR_SET_PDEATHSIG, sig)
        os.setsid()

    return preexec


def as_user(user: str | None) -> dict[str, Any]:
    """Popen arguments to run as `user` with its own group only (root's gid would
    otherwise match root-owned directories before their 'other' bits are read)."""
    if user is None:
        return {}
    return {"user": user, "group": user, "extra_groups": []}


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(preferred: int | None, host: str = "127.0.0.1") -> int:
    if preferred and port_is_free(preferred, host):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class ChildServer:
    """Runs `argv` with output to `log_path`; stops with `stop_signal`, then SIGKILL."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        stop_signal: int = signal.SIGTERM,
        user: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.stop_signal = stop_signal
        self.user = user
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent(self.stop_signal),  # noqa: PLW1509
                env=self.env,
                **as_user(self.user),
            )

    def alive(self) -> bool:
        """Polling also reaps a dead child, so it leaves no zombie behind."""
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def exit_code(self) -> int | None:
        """The exit code (negative: the killing signal) once it is dead; None before."""
        return None if self.process is None else self.process.poll()

    def log_tail(self, lines: int = 5) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
