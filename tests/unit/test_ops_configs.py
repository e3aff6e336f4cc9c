"""The configs compose.yaml mounts, run by the Debian tools that read them: the load
balancer (HAProxy) and Prometheus's scrape config as `make monitor` renders it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import yaml

from seatgate.observability.monitor import MonitorPorts, Targets, render_prometheus
from tests.ops_tools import required_tool, run_tool

ROOT = Path(__file__).resolve().parents[2]


def test_haproxy_accepts_the_load_balancer_config() -> None:
    haproxy = required_tool("haproxy", package="haproxy")
    result = subprocess.run(
        [haproxy, "-c", "-f", str(ROOT / "ops/haproxy/haproxy.cfg")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_with_no_replica_ready_the_load_balancer_answers_problem_json(tmp_path: Path) -> None:
    # Outside Docker, `api` resolves to nothing: every server slot stays in maintenance,
    # exactly as when no replica is ready. Only the listening address is changed.
    haproxy = required_tool("haproxy", package="haproxy")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = (ROOT / "ops/haproxy/haproxy.cfg").read_text()
    assert "    bind :8000\n" in config
    (tmp_path / "haproxy.cfg").write_text(config.replace("bind :8000", f"bind 127.0.0.1:{port}"))
    shutil.copy(ROOT / "ops/haproxy/503.http", tmp_path / "503.http")
    process = subprocess.Popen(
        [haproxy, "-db", "-f", str(tmp_path / "haproxy.cfg")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        answer = None
        for _ in range(100):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/concerts", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None, "haproxy did not listen"
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "1"
        body = answer.json()
        assert (body["status"], body["code"]) == (503, "SERVICE_UNAVAILABLE")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_make_monitor_renders_one_address_per_job(tmp_path: Path) -> None:
    targets = Targets(api="127.0.0.1:8000", side={"relay": "127.0.0.1:9101"})
    ports = MonitorPorts(prometheus=9090, alertmanager=9093, webhook=9099)
    config = render_prometheus(ROOT / "ops", targets, ports)
    for job in config["scrape_configs"]:
        assert "dns_sd_configs" not in job, job["job_name"]
        assert len(job["static_configs"][0]["targets"]) == 1
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    run_tool("promtool", "check", "config", path)
