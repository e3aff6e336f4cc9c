"""`seatgate doctor`: all ✅ against this run's servers; the report's bad Kafka address and a
localhost load target from a container each give a ❌ row with its fix and exit 1."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from seatgate.messaging.topics import ensure_topics
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env

PLACEHOLDER = "서버 호스트/포트들.."


def doctor(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "seatgate", "doctor", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout.splitlines()


def rows(lines: list[str]) -> dict[str, str]:
    """check name → its line, for the ✅/❌ lines."""
    return {
        re.split(r"\s{2,}", line[2:], maxsplit=1)[0]: line
        for line in lines
        if line[:1] in ("✅", "❌")
    }


@pytest.fixture(scope="module")
def topics(settings: Settings) -> None:
    ensure_topics(settings)


@pytest.mark.usefixtures("topics")
def test_all_green_against_the_running_stack(settings: Settings) -> None:
    with running_api(settings) as base:
        code, lines = doctor(seatgate_env(settings), "--target", base)
    table = rows(lines)
    assert code == 0, "\n".join(lines)
    assert {
        "settings",
        "database",
        "redis",
        "kafka",
        "db pool",
        "kafka topics",
        "load target",
    } <= set(table)
    assert all(line.startswith("✅") for line in table.values()), "\n".join(lines)
    assert " ms" in table["database"]
    assert " ms" in table["kafka"]


def test_the_reports_kafka_placeholder_is_a_red_row_with_the_fix(settings: Settings) -> None:
    env = seatgate_env(settings, SEATGATE_KAFKA_BOOTSTRAP_SERVERS=PLACEHOLDER)
    code, lines = doctor(env)
    assert code == 1
    settings_line = rows(lines)["settings"]
    assert settings_line.startswith("❌")
    assert f"SEATGATE_KAFKA_BOOTSTRAP_SERVERS='{PLACEHOLDER}'" in settings_line
    fix = lines[lines.index(settings_line) + 1]
    assert "fix: set host:port" in fix
    # The other checks still ran: the database is fine, Kafka was not tried.
    assert rows(lines)["database"].startswith("✅")
    assert rows(lines)["kafka"].startswith("❌")


def test_a_pool_of_three_is_named_with_the_fix(settings: Settings) -> None:
    code, lines = doctor(seatgate_env(settings, SEATGATE_DB_POOL_SIZE="3"))
    assert code == 1
    assert "SEATGATE_DB_POOL_SIZE='3' is below 10" in rows(lines)["settings"]


@pytest.mark.usefixtures("topics")
def test_localhost_target_from_a_container_is_refused(settings: Settings) -> None:
    with running_api(settings) as base:
        code, lines = doctor(seatgate_env(settings), "--target", base, "--from-container")
    assert code == 1
    host_line = next(line for line in lines if "load target host" in line)
    assert host_line.startswith("❌")
    assert "fix: use the app's service name" in lines[lines.index(host_line) + 1]


def test_unreachable_prometheus_is_red(settings: Settings) -> None:
    code, lines = doctor(seatgate_env(settings), "--prometheus", "http://127.0.0.1:9")
    assert code == 1
    assert rows(lines)["prometheus"].startswith("❌")
