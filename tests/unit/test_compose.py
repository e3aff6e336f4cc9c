"""compose.yaml is written for Docker users; here it is validated offline."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.ops_tools import required_tool

ROOT = Path(__file__).resolve().parents[2]
ENV = {"POSTGRES_PASSWORD": "example", "SEATGATE_JWT_SECRET": "s" * 40}


def compose_tool() -> str:
    return required_tool("docker-compose", package="docker-compose")


def rendered() -> dict[str, Any]:
    tool = compose_tool()
    result = subprocess.run(
        [tool, "-f", str(ROOT / "compose.yaml"), "config"],
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


def test_compose_runs_the_whole_stack() -> None:
    services = rendered()["services"]
    expected = {"api", "relay", "consumer", "scheduler", "migrate", "postgres", "redis", "kafka"}
    expected |= {"prometheus", "grafana", "alertmanager", "k6"}
    assert expected <= set(services)


def test_services_reach_each_other_by_name_never_localhost() -> None:
    services = rendered()["services"]
    for name in ("api", "relay", "consumer", "scheduler"):
        env = services[name]["environment"]
        assert env["SEATGATE_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert "@postgres:5432/" in env["SEATGATE_DATABASE_URL"]
        assert env["SEATGATE_REDIS_URL"].startswith("redis://redis:")
    assert services["k6"]["environment"]["BASE_URL"] == "http://api:8000"


def test_compose_refuses_to_start_without_its_secrets() -> None:
    tool = compose_tool()
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    result = subprocess.run(
        [tool, "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "SEATGATE_JWT_SECRET" in result.stderr


def test_every_alertmanager_webhook_reaches_a_compose_service() -> None:
    services = rendered()["services"]
    config = yaml.safe_load((ROOT / "ops/alertmanager/alertmanager.yml").read_text())
    urls = [
        hook["url"]
        for receiver in config["receivers"]
        for hook in receiver.get("webhook_configs", [])
    ]
    assert urls
    for url in urls:
        host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
        assert host in services, f"{url} names no compose service"


def test_the_stack_fits_in_postgres_max_connections() -> None:
    services = rendered()["services"]
    per_process = int(services["api"]["environment"]["SEATGATE_DB_POOL_SIZE"])
    api_workers = int(services["api"]["environment"]["SEATGATE_HTTP_WORKERS"])
    processes = api_workers + 3  # relay, consumer, scheduler
    command = services["postgres"]["command"]
    max_connections = int(next(arg.split("=")[1] for arg in command if "max_connections" in arg))
    assert per_process * processes + 3 <= max_connections  # 3: superuser_reserved_connections


def test_k6_streams_its_metrics_to_a_prometheus_that_receives_them() -> None:
    services = rendered()["services"]
    k6 = services["k6"]
    assert k6["environment"]["K6_PROMETHEUS_RW_SERVER_URL"] == "http://prometheus:9090/api/v1/write"
    command = k6["command"]
    assert command[command.index("--out") + 1] == "experimental-prometheus-rw"
    tags = {command[i + 1].split("=")[0] for i, word in enumerate(command) if word == "--tag"}
    assert tags == {"testid", "run_scenario"}  # what the load-test dashboard and alert group by
    assert "--web.enable-remote-write-receiver" in services["prometheus"]["command"]
