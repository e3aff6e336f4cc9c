"""The data directory's lock and state file, and how commands take servers from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from seatgate.embedded.state import (
    DISCOVERED_FIELDS,
    AlreadyRunning,
    DevLock,
    DevState,
    discovered_settings,
    live_state,
    read_state,
    remove_state,
    write_state,
)
from seatgate.embedded.supervisor import Supervisor
from seatgate.settings import env_name, load_settings


def a_state(pid: int) -> DevState:
    return DevState(
        pid=pid,
        started_at="2026-11-25T00:00:00+00:00",
        database_url="postgresql://postgres@127.0.0.1:55432/seatgate",
        redis_url="redis://127.0.0.1:56379/0",
        kafka_bootstrap_servers="127.0.0.1:59092",
        api_url="http://127.0.0.1:8123",
    )


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def no_servers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No server in the environment (restored after the test); the data dir is tmp."""
    for field in DISCOVERED_FIELDS:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.setenv("SEATGATE_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    return tmp_path


def test_the_state_file_is_written_whole_read_back_and_removed(tmp_path: Path) -> None:
    write_state(tmp_path, a_state(os.getpid()))
    assert read_state(tmp_path) == a_state(os.getpid())
    assert (tmp_path / "dev.json").stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.partial"))
    remove_state(tmp_path)
    assert read_state(tmp_path) is None
    remove_state(tmp_path)


def test_a_state_whose_process_is_gone_is_ignored(tmp_path: Path) -> None:
    write_state(tmp_path, a_state(a_dead_pid()))
    assert read_state(tmp_path) is not None
    assert live_state(tmp_path) is None


def test_a_second_lock_on_the_directory_is_refused_naming_the_holder(tmp_path: Path) -> None:
    write_state(tmp_path, a_state(os.getpid()))
    held = DevLock(tmp_path, "data")
    try:
        with pytest.raises(AlreadyRunning) as refused:
            DevLock(tmp_path, "data")
        assert str(refused.value) == (
            f"another seatgate dev (pid {os.getpid()}) is running on data/ "
            "(API http://127.0.0.1:8123); fix: stop it, or set SEATGATE_DATA_DIR to another "
            "directory"
        )
    finally:
        held.release()
    DevLock(tmp_path, "data").release()


def test_unset_servers_come_from_the_running_stack_and_reach_subprocesses(
    no_servers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_state(no_servers, a_state(os.getpid()))
    found = discovered_settings(load_settings())
    assert found.database_url == "postgresql://postgres@127.0.0.1:55432/seatgate"
    assert found.redis_url == "redis://127.0.0.1:56379/0"
    assert found.kafka_bootstrap_servers == "127.0.0.1:59092"
    assert found.http_port == 8123
    assert os.environ["SEATGATE_DATABASE_URL"] == found.database_url
    assert load_settings().redis_url == found.redis_url
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert f"(pid {os.getpid()}, API http://127.0.0.1:8123)" in err[0]


def test_a_server_set_in_the_environment_wins(
    no_servers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_state(no_servers, a_state(os.getpid()))
    monkeypatch.setenv("SEATGATE_DATABASE_URL", "postgresql://app@db:5432/seatgate")
    monkeypatch.setenv("SEATGATE_HTTP_PORT", "9000")
    found = discovered_settings(load_settings())
    assert found.database_url == "postgresql://app@db:5432/seatgate"
    assert found.http_port == 9000
    assert found.redis_url == "redis://127.0.0.1:56379/0"


def test_without_a_live_stack_nothing_changes(
    no_servers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings()
    assert discovered_settings(settings) is settings
    write_state(no_servers, a_state(a_dead_pid()))
    assert discovered_settings(settings) is settings
    assert "SEATGATE_DATABASE_URL" not in os.environ
    assert capsys.readouterr().err == ""


def test_restarts_back_off_from_half_a_second_to_ten() -> None:
    backoff = Supervisor([]).backoff()
    assert [backoff.next() for _ in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert backoff.attempts == 7
