"""Each bad setting stops `seatgate serve --profile prod` before it listens: one line
that names the setting and the fix, a non-zero exit, within 15 s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seatgate.identity.tokens import user_id_from_token
from seatgate.settings import load_settings
from tests.servers import RunServers, clean_env

GOOD_SECRET = "s3cr3t-" * 6
UNSET = None


def serve(
    servers: RunServers, env: dict[str, str | None], profile: str = "prod"
) -> subprocess.CompletedProcess[str]:
    base: dict[str, str] = clean_env()
    base.update(
        {
            "SEATGATE_DATABASE_URL": servers.database_url,
            "SEATGATE_REDIS_URL": servers.redis_url,
            "SEATGATE_KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap_servers,
            "SEATGATE_JWT_SECRET": GOOD_SECRET,
            "SEATGATE_OPERATOR_TOKEN": GOOD_SECRET,
            "SEATGATE_CONNECT_TIMEOUT_SECONDS": "3",
            "SEATGATE_HTTP_PORT": "1",  # never reached: every case must stop before listening
        }
    )
    for key, value in env.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return subprocess.run(
        [sys.executable, "-m", "seatgate", "serve", "--profile", profile],
        env=base,
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )


KAFKA = "SEATGATE_KAFKA_BOOTSTRAP_SERVERS"
CASES: dict[str, tuple[dict[str, str | None], str]] = {
    "placeholder kafka": ({KAFKA: "서버 호스트/포트들.."}, KAFKA),
    "empty kafka": ({KAFKA: ""}, KAFKA),
    "kafka without port": ({KAFKA: "kafka"}, KAFKA),
    "unreachable kafka": ({KAFKA: "127.0.0.1:9"}, KAFKA),
    "unreachable postgres": (
        {"SEATGATE_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/x"},
        "SEATGATE_DATABASE_URL",
    ),
    "unreachable redis": ({"SEATGATE_REDIS_URL": "redis://127.0.0.1:9/0"}, "SEATGATE_REDIS_URL"),
    "pool of 3": ({"SEATGATE_DB_POOL_SIZE": "3"}, "SEATGATE_DB_POOL_SIZE"),
    "default secret": ({"SEATGATE_JWT_SECRET": UNSET}, "SEATGATE_JWT_SECRET"),
    "default operator token": ({"SEATGATE_OPERATOR_TOKEN": UNSET}, "SEATGATE_OPERATOR_TOKEN"),
    "database unset": ({"SEATGATE_DATABASE_URL": UNSET}, "SEATGATE_DATABASE_URL"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_setting_stops_serve_with_one_line(servers: RunServers, case: str) -> None:
    env, setting = CASES[case]
    assert_refused(serve(servers, env), setting)


def test_unknown_profile_stops_serve(servers: RunServers) -> None:
    assert_refused(serve(servers, {}, profile="staging"), "SEATGATE_PROFILE")


def assert_refused(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, result.stdout
    assert lines[-1].startswith(f"seatgate: {setting}"), result.stderr
    assert "fix:" in lines[-1]
    assert "Traceback" not in result.stderr


def seatgate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with only the SEATGATE_* variables given here."""
    return subprocess.run(
        [sys.executable, "-m", "seatgate", *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )


def test_dev_refuses_the_placeholder_kafka_address_before_starting_anything(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    result = seatgate("dev", env={KAFKA: "서버 호스트/포트들..", "SEATGATE_DATA_DIR": str(data)})
    assert_refused(result, KAFKA)
    assert not data.exists()


def test_dev_refuses_a_configured_database_it_cannot_reach(tmp_path: Path) -> None:
    env = {
        "SEATGATE_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/x",
        "SEATGATE_CONNECT_TIMEOUT_SECONDS": "2",
        "SEATGATE_DATA_DIR": str(tmp_path / "data"),
    }
    assert_refused(seatgate("dev", env=env), "SEATGATE_DATABASE_URL")


def test_users_create_prints_a_user_and_a_working_token(servers: RunServers) -> None:
    env = {"SEATGATE_DATABASE_URL": servers.database_url}
    result = seatgate("users", "create", "--balance", "5000", env=env)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    settings = load_settings(profile="local")
    assert user_id_from_token(settings, created["token"]) == created["user_id"]


def test_users_create_refuses_a_negative_balance(servers: RunServers) -> None:
    result = seatgate(
        "users", "create", "--balance", "-5", env={"SEATGATE_DATABASE_URL": servers.database_url}
    )
    assert result.returncode != 0
    assert result.stderr.strip().startswith("seatgate: --balance")
