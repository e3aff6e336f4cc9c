"""`seatgate loadtest --scenario smoke` against a running API (scheduler, relay and
consumer in-process, like `seatgate dev`): every threshold ✅, both report files,
and the HTML renders in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from seatgate.catalog.service import seed_now
from seatgate.embedded.process import choose_port
from seatgate.observability.monitor import Monitor, MonitorPorts, Targets
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env
from tests.conditions import wait_until
from tests.ops_tools import k6_metric_names, screenshot, tool
from tests.servers import RunServers, private_database


@pytest.fixture
def own_database(servers: RunServers, settings: Settings) -> Iterator[str]:
    """A database only this test's API uses: other tests truncate the shared one."""
    with private_database(servers, "loadtest") as url:
        seed_now(settings.model_copy(update={"database_url": url}), 1, 2, 100)
        yield url


@pytest.mark.slow
def test_the_smoke_scenario_passes_and_writes_both_reports(
    settings: Settings, own_database: str, tmp_path: Path
) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    ports = MonitorPorts(choose_port(None), choose_port(None), choose_port(None))
    env = {
        "SEATGATE_DATABASE_URL": own_database,
        "SEATGATE_ADMISSION_RATE_PER_SECOND": "100",
        # Its relay and consumer must not share topics or a group with other tests' workers.
        "SEATGATE_KAFKA_TOPIC_PREFIX": f"smoke{uuid.uuid4().hex[:8]}.",
    }
    runs = tmp_path / "runs"
    with running_api(settings, "--with-workers", **env) as base:
        monitor = Monitor(tmp_path / "monitor", Targets(api=base.removeprefix("http://")), ports)
        monitor.start()
        try:
            prometheus = f"http://127.0.0.1:{ports.prometheus}"
            wait_until(lambda: _answers(prometheus), timeout=60, what="Prometheus")
            done = subprocess.run(
                [
                    sys.executable, "-m", "seatgate", "loadtest", "--scenario", "smoke",
                    "--target", base, "--duration", "15s", "--vus", "3", "--lang", "ko",
                    "--out", str(runs), "--prometheus", prometheus,
                ],
                env=seatgate_env(settings, **env),
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )  # fmt: skip
            streamed = _metric_names(prometheus)
        finally:
            monitor.stop()
    assert done.returncode == 0, done.stderr + done.stdout
    # Every k6 series the load-test dashboard reads is one a real k6 run streamed.
    assert k6_metric_names() <= streamed, sorted(k6_metric_names() - streamed)
    (run_dir,) = runs.iterdir()
    markdown = (run_dir / "report.md").read_text()
    for row in ("실패 요청 비율 | 0% | < 1% | ✅ 양호", "예약 API 성공률 | 100% | > 99% | ✅ 양호"):
        assert row in markdown
    assert "Token 발급 성공률 | 100% | > 99% | ✅ 양호" in markdown
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["k6_exit_code"] == 0
    assert meta["telemetry"]["alert_fired"] is False  # a clean run does not page
    # The broker has its own probe; the report still reads it after the run.
    assert set(meta["readyz_after"]["checks"]) == {"database", "redis", "kafka"}
    assert "발생하지 않음" in markdown
    assert "`seatgate doctor` passed" in meta["notes"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["metrics"]["flows_completed"]["values"]["count"] > 0
    assert "held:" in markdown  # the app's own counters moved: /metrics was scraped
    png = screenshot(run_dir / "report.html", tmp_path / "report.png")
    assert len(png) > 60_000


def _answers(prometheus: str) -> bool:
    try:
        return httpx.get(f"{prometheus}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _metric_names(prometheus: str) -> set[str]:
    answer = httpx.get(f"{prometheus}/api/v1/label/__name__/values", timeout=5)
    return set(answer.json()["data"])
