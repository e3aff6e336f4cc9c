"""One `seatgate dev` per data directory, and where it listens for the other commands.

`seatgate dev` holds an exclusive `flock` on `<data_dir>/dev.lock` for its whole
life: the kernel drops it when the process dies, however it dies, so a crashed run
never blocks the next one and a live one is never mistaken for a crashed one. Once
everything answers it writes `<data_dir>/dev.json` (its PID and each server's
address); `seed`, `doctor`, `users create`, `loadtest` and `dlq replay` read it to
reach that stack when their environment names no server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from seatgate.settings import Settings, env_name

LOCK_FILE = "dev.lock"
STATE_FILE = "dev.json"
# The settings a command takes from the running stack when it sets none itself.
DISCOVERED_FIELDS = ("database_url", "redis_url", "kafka_bootstrap_servers", "http_port")


@dataclass(frozen=True)
class DevState:
    pid: int
    started_at: str
    database_url: str
    redis_url: str
    kafka_bootstrap_servers: str
    api_url: str

    def value(self, field: str) -> object:
        if field == "http_port":
            return urlsplit(self.api_url).port
        return getattr(self, field)


class AlreadyRunning(Exception):
    """Another `seatgate dev` holds the data directory; `str()` is the line to print."""


class DevLock:
    """The exclusive lock of one data directory, held until `release()` or exit."""

    def __init__(self, data_dir: Path, shown_as: str) -> None:
        self.path = data_dir / LOCK_FILE
        # os.open descriptors are not inherited (PEP 446): the servers we start never
        # hold the lock, so a leftover server cannot keep the directory locked.
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(self._fd)
            os.close(self._fd)
            raise AlreadyRunning(_refusal(data_dir, shown_as, holder)) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _refusal(data_dir: Path, shown_as: str, pid: int | None) -> str:
    state = read_state(data_dir)
    where = f"API {state.api_url}" if state is not None else "still starting"
    who = f"pid {pid}" if pid is not None else "pid unknown"
    return (
        f"another seatgate dev ({who}) is running on {shown_as.rstrip('/')}/ ({where}); "
        "fix: stop it, or set SEATGATE_DATA_DIR to another directory"
    )


def new_state(settings: Settings) -> DevState:
    host = settings.http_host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - bound everywhere; reach it on loopback
        host = "127.0.0.1"
    return DevState(
        pid=os.getpid(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database_url=settings.database_url or "",
        redis_url=settings.redis_url or "",
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers or "",
        api_url=f"http://{host}:{settings.http_port}",
    )


def write_state(data_dir: Path, state: DevState) -> None:
    """Atomically: a reader sees the whole previous file or the whole new one."""
    path = data_dir / STATE_FILE
    partial = path.with_suffix(".json.partial")
    # 0600: a configured database URL may carry a password.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(asdict(state), out, indent=1)
        out.write("\n")
    os.replace(partial, path)


def remove_state(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / STATE_FILE).unlink()


def read_state(data_dir: Path) -> DevState | None:
    try:
        return DevState(**json.loads((data_dir / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_state(data_dir: Path) -> DevState | None:
    """The state of the `seatgate dev` running on `data_dir`; None if its PID is gone
    (a crashed run leaves its file behind)."""
    state = read_state(data_dir)
    if state is None or not _alive(state.pid):
        return None
    return state


def discovered_settings(settings: Settings) -> Settings:
    """`settings` with the running dev stack's addresses for every server they leave
    unset (environment, `.env` and overrides win), exported to the environment too so
    subprocesses and later `load_settings()` calls reach the same stack."""
    unset = [field for field in DISCOVERED_FIELDS if field not in settings.model_fields_set]
    if not any(field != "http_port" for field in unset):
        return settings
    state = live_state(Path(settings.data_dir))
    if state is None:
        return settings
    updates = {field: state.value(field) for field in unset}
    for field, value in updates.items():
        os.environ[env_name(field)] = str(value)
    print(
        f"seatgate: using the seatgate dev stack on {settings.data_dir.rstrip('/')}/ "
        f"(pid {state.pid}, API {state.api_url}) for "
        f"{', '.join(field for field in unset if field != 'http_port')}",
        file=sys.stderr,
        flush=True,
    )
    return settings.model_copy(update=updates)
