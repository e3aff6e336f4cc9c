"""The seed report's detection step, literally: a hurried operator runs the load test with
`--no-doctor` against a port where nothing answers. The app sees nothing at all, yet k6's own
metrics reach Prometheus by remote write and SeatgateLoadTestFailing pages the webhook and
Slack; the report links the run's dashboard and says the alert fired."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from seatgate.embedded.process import choose_port
from seatgate.loadtest.telemetry import ALERT
from seatgate.observability.monitor import Monitor, MonitorPorts, Targets
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env
from tests.conditions import wait_until
from tests.ops_tools import firing, received, tool

# Far above what it takes here: only a broken path gets this far.
HANG_GUARD_SECONDS = 180


def _app_errors(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("http_requests_total{") and 'status="5' in line
    )


@pytest.mark.slow
@pytest.mark.timeout(HANG_GUARD_SECONDS + 120)
def test_an_unreachable_target_pages_from_k6s_metrics_while_the_app_sees_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    tool("prometheus")
    tool("prometheus-alertmanager")
    ports = MonitorPorts(choose_port(None), choose_port(None), choose_port(None))
    nobody = f"http://127.0.0.1:{choose_port(None)}"  # nothing listens there
    with running_api(settings) as app:
        monitor = Monitor(tmp_path / "monitor", Targets(api=app.removeprefix("http://")), ports)
        monitor.start()
        try:
            prometheus = f"http://127.0.0.1:{ports.prometheus}"
            wait_until(
                lambda: _rule_loaded(prometheus), timeout=60, what="Prometheus with its rules"
            )
            started = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable, "-m", "seatgate", "loadtest", "--scenario", "smoke",
                    "--target", nobody, "--no-doctor", "--prometheus", prometheus,
                    "--duration", "10s", "--vus", "2", "--lang", "en",
                    "--out", str(tmp_path / "runs"),
                ],
                env=seatgate_env(settings),
                capture_output=True,
                text=True,
                timeout=HANG_GUARD_SECONDS,
                check=False,
            )  # fmt: skip
            assert done.returncode == 1, done.stderr + done.stdout
            wait_until(
                lambda: firing(received(monitor.received), "/alerts", ALERT),
                timeout=HANG_GUARD_SECONDS,
                what=f"{ALERT} at the webhook",
            )
            print(f"\nload test start → {ALERT} at the webhook: {time.monotonic() - started:.1f} s")
            wait_until(
                lambda: firing(received(monitor.received), "/slack", ALERT),
                timeout=HANG_GUARD_SECONDS,
                what=f"{ALERT} at Slack",
            )
            entries = received(monitor.received)
            # The app saw nothing: no 5xx of its own, so its own alert stays silent.
            assert _app_errors(app) == 0
            assert not firing(entries, "/alerts", "SeatgateHighErrorRate")
        finally:
            monitor.stop()

    (run_dir,) = (tmp_path / "runs").iterdir()
    telemetry = json.loads((run_dir / "run.json").read_text())["telemetry"]
    assert telemetry["alert_fired"] is True
    assert telemetry["testid"] == run_dir.name
    assert f"var-testid={run_dir.name}" in telemetry["dashboard_url"]
    report = (run_dir / "report.md").read_text()
    assert f"k6 failure alert `{ALERT}`: 🚨 fired during this run" in report
    assert telemetry["dashboard_url"] in report
    assert "running anyway (--no-doctor)" in report


def _rule_loaded(prometheus: str) -> bool:
    try:
        groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=2).json()["data"]["groups"]
    except (httpx.HTTPError, KeyError, ValueError):
        return False
    return any(rule["name"] == ALERT for group in groups for rule in group["rules"])
