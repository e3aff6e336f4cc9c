from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from seatgate.settings import (
    DEV_JWT_SECRET,
    DEV_OPERATOR_TOKEN,
    SettingsError,
    load_settings,
    mask,
)
from tests.servers import clean_env

GOOD_SECRET = "x" * 40


@pytest.mark.parametrize(
    "bootstrap",
    [
        "서버 호스트/포트들..",
        "",
        "localhost",
        "kafka:",
        ":9092",
        "kafka:99999",
        "a b:1",
        "k:1,,k:2",
    ],
)
def test_refuses_a_bootstrap_that_is_not_host_port_list(bootstrap: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(kafka_bootstrap_servers=bootstrap)
    line = str(error.value)
    assert line.startswith("SEATGATE_KAFKA_BOOTSTRAP_SERVERS=")
    assert repr(bootstrap) in line
    assert "fix:" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    "bootstrap", ["kafka:9092", "127.0.0.1:9092,127.0.0.2:9093", "[::1]:9092", " b-1.x:9094 "]
)
def test_accepts_broker_lists(bootstrap: str) -> None:
    expected = ",".join(entry.strip() for entry in bootstrap.split(","))
    assert load_settings(kafka_bootstrap_servers=bootstrap).kafka_bootstrap_servers == expected


@pytest.mark.parametrize("size", [0, 3, 9])
def test_refuses_a_pool_smaller_than_ten(size: int) -> None:
    with pytest.raises(SettingsError, match=r"^SEATGATE_DB_POOL_SIZE=.* fix: set it to 10"):
        load_settings(db_pool_size=size)


def test_refuses_the_default_secret_in_prod_but_not_in_local_or_test() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(profile="prod")
    assert str(error.value).startswith("SEATGATE_JWT_SECRET=")
    assert DEV_JWT_SECRET not in str(error.value)
    assert load_settings(profile="local").jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert load_settings(profile="test").jwt_secret.get_secret_value() == DEV_JWT_SECRET
    prod = load_settings(profile="prod", jwt_secret=GOOD_SECRET, operator_token=GOOD_SECRET)
    assert prod.profile == "prod"


def test_refuses_the_default_or_a_short_operator_token_in_prod() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(profile="prod", jwt_secret=GOOD_SECRET)
    assert str(error.value).startswith("SEATGATE_OPERATOR_TOKEN=")
    assert DEV_OPERATOR_TOKEN not in str(error.value)
    with pytest.raises(SettingsError, match=r"SEATGATE_OPERATOR_TOKEN.*shorter than 32"):
        load_settings(profile="prod", jwt_secret=GOOD_SECRET, operator_token="short-one")
    local = load_settings(profile="local").operator_token.get_secret_value()
    assert local == DEV_OPERATOR_TOKEN


def test_masks_a_short_prod_secret() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(profile="prod", jwt_secret="hunter2-is-short")
    assert "hunter2" not in str(error.value)
    assert "SEATGATE_JWT_SECRET" in str(error.value)


def test_refuses_an_unknown_profile() -> None:
    with pytest.raises(SettingsError, match=r"^SEATGATE_PROFILE='staging' is not one of"):
        load_settings(profile="staging")


def test_refuses_urls_of_the_wrong_kind_and_masks_passwords() -> None:
    with pytest.raises(SettingsError, match=r"^SEATGATE_DATABASE_URL=") as error:
        load_settings(database_url="mysql://root:s3cret-pw@db/x")
    assert "s3cret-pw" not in str(error.value)
    assert "mysql://root:***@db/x" in str(error.value)
    with pytest.raises(SettingsError, match=r"^SEATGATE_REDIS_URL=") as error:
        load_settings(redis_url="http://:cache-pw@cache:6379")
    assert "cache-pw" not in str(error.value)


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("database_url", "postgresql://app:pw@db:5432/x", "'postgresql://app:***@db:5432/x'"),
        ("database_url", "postgresql://app@db:5432/x", "'postgresql://app@db:5432/x'"),
        ("jwt_secret", "hunter2-hunter2", "'hu***'"),
        ("jwt_secret", "", "''"),
        ("http_port", 8000, "8000"),
    ],
)
def test_mask_hides_passwords_and_secrets_only(field: str, value: object, shown: str) -> None:
    assert mask(field, value) == shown


def _pool_size_seen_in(directory: Path, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from seatgate.settings import load_settings as l; "
         "print(l().db_pool_size)"],
        cwd=directory,
        env={**clean_env(), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_a_dotenv_is_read_unless_seatgate_env_file_is_empty(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SEATGATE_DB_POOL_SIZE=33\n")
    (tmp_path / "other.env").write_text("SEATGATE_DB_POOL_SIZE=44\n")
    assert _pool_size_seen_in(tmp_path) == "16"  # clean_env() names no file: the suite's rule
    assert _pool_size_seen_in(tmp_path, SEATGATE_ENV_FILE=".env") == "33"
    assert _pool_size_seen_in(tmp_path, SEATGATE_ENV_FILE="other.env") == "44"


def test_the_suite_itself_reads_no_dotenv_and_no_outer_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("SEATGATE_DB_POOL_SIZE=3\nSEATGATE_PROFILE=prod\n")
    monkeypatch.chdir(tmp_path)
    loaded = load_settings()
    assert (loaded.db_pool_size, loaded.profile) == (16, "local")


def test_reads_the_contract_names_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEATGATE_HOLD_TTL_SECONDS", "42")
    monkeypatch.setenv("SEATGATE_DB_POOL_SIZE", "12")
    monkeypatch.setenv("SEATGATE_HTTP_PORT", "8123")
    monkeypatch.setenv("SEATGATE_MAX_ACTIVE_USERS", "7")
    monkeypatch.setenv("SEATGATE_ADMISSION_RATE_PER_SECOND", "3.5")
    monkeypatch.setenv("SEATGATE_ACTIVE_TOKEN_TTL_SECONDS", "90")
    loaded = load_settings()
    assert (loaded.hold_ttl_seconds, loaded.db_pool_size, loaded.http_port) == (42, 12, 8123)
    assert (loaded.max_active_users, loaded.admission_rate_per_second) == (7, 3.5)
    assert loaded.active_token_ttl_seconds == 90


@pytest.mark.parametrize("field", ["prometheus_url", "grafana_url"])
def test_monitoring_urls_must_be_http(field: str) -> None:
    with pytest.raises(SettingsError, match=rf"^SEATGATE_{field.upper()}='9090' is not an http"):
        load_settings(**{field: "9090"})
    assert getattr(load_settings(**{field: "http://prom:9090/"}), field) == "http://prom:9090"


def test_the_api_runs_one_worker_per_core_unless_told() -> None:
    assert load_settings().http_workers == min(os.cpu_count() or 1, 64)
    assert load_settings(http_workers=1).http_workers == 1
