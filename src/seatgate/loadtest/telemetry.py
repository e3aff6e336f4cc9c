"""k6's own metrics in Prometheus while a load test runs, and what the report says of them.

The seed report's incident was invisible from the app: k6 could not reach it, so no
server-side metric moved. With a Prometheus configured, k6 streams its metrics there by
remote write (every series labelled with the run's `testid` and `run_scenario`), the
SeatgateLoadTestFailing rule (ops/prometheus/rules/loadtest.yml) pages on k6's failed
ratio, and the report links the load-test dashboard for the run's time range and says
whether that alert fired.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import httpx

from seatgate.observability.dashboards import LOAD_TEST_UID

ALERT = "SeatgateLoadTestFailing"
DASHBOARD_SLUG = "seatgate-load-test"
# Trend statistics k6 sends as gauges (`k6_http_req_duration_p95`, ... in seconds).
TREND_STATS = "p(95),p(99),avg,max"
PUSH_INTERVAL = "1s"
# Prometheus' lookback: a run's series stay visible this long after its last push.
LOOKBACK_SECONDS = 300


class TelemetryRefused(Exception):
    """The configured Prometheus cannot take k6's metrics; the message names the fix."""


@dataclass(frozen=True)
class Telemetry:
    prometheus: str
    grafana: str
    testid: str
    scenario: str

    def k6_args(self) -> list[str]:
        return [
            "--out", "experimental-prometheus-rw",
            "--tag", f"testid={self.testid}",
            "--tag", f"run_scenario={self.scenario}",
        ]  # fmt: skip

    def k6_env(self) -> dict[str, str]:
        return {
            "K6_PROMETHEUS_RW_SERVER_URL": f"{self.prometheus}/api/v1/write",
            "K6_PROMETHEUS_RW_TREND_STATS": TREND_STATS,
            "K6_PROMETHEUS_RW_PUSH_INTERVAL": PUSH_INTERVAL,
        }

    def dashboard_url(self, start: datetime, end: datetime) -> str:
        query = urlencode(
            {
                "from": int(start.timestamp() * 1000),
                "to": int(end.timestamp() * 1000),
                "var-testid": self.testid,
            }
        )
        return f"{self.grafana}/d/{LOAD_TEST_UID}/{DASHBOARD_SLUG}?{query}"

    def alert_fired(self, end: datetime, *, wait_seconds: float) -> bool | None:
        """Whether the alert was firing for this run at any point up to now; waits up to
        `wait_seconds` for it (its `for:` runs after k6's last push). None: Prometheus
        did not answer."""
        deadline = time.monotonic() + wait_seconds
        while True:
            fired = self._fired_once(end)
            if fired is not False or time.monotonic() >= deadline:
                return fired
            time.sleep(1.0)

    def _fired_once(self, end: datetime) -> bool | None:
        seconds = max(1, int(time.time() - end.timestamp()) + LOOKBACK_SECONDS)
        query = (
            f'max_over_time(ALERTS{{alertname="{ALERT}",alertstate="firing",'
            f'testid="{self.testid}"}}[{seconds}s])'
        )
        try:
            response = httpx.get(
                f"{self.prometheus}/api/v1/query", params={"query": query}, timeout=5
            )
            response.raise_for_status()
            return bool(response.json()["data"]["result"])
        except (httpx.HTTPError, KeyError, ValueError):
            return None


def check_receiver(prometheus: str) -> list[str]:
    """Refuse a Prometheus that cannot receive k6's remote write, before any load is sent;
    return notes for the report (say, the load-test alert rule is not loaded there)."""
    write = f"{prometheus}/api/v1/write"
    try:
        # An empty body: a receiver answers 400 (nothing to decode), a Prometheus
        # started without the receiver answers 404.
        answer = httpx.post(write, content=b"", timeout=5)
        rules = httpx.get(f"{prometheus}/api/v1/rules", params={"type": "alert"}, timeout=5)
    except httpx.HTTPError as error:
        raise TelemetryRefused(
            f"--prometheus={prometheus} is unreachable ({type(error).__name__}); fix: start "
            "Prometheus (`make monitor`) or leave --prometheus out"
        ) from None
    if answer.status_code == 404:
        raise TelemetryRefused(
            f"--prometheus={prometheus} does not accept remote write; fix: start it with "
            "--web.enable-remote-write-receiver (`make monitor` and compose.yaml do)"
        )
    names = {
        rule.get("name")
        for group in rules.json().get("data", {}).get("groups", [])
        for rule in group.get("rules", [])
    }
    if ALERT not in names:
        return [f"{prometheus} has no {ALERT} rule loaded: a failing run will not page"]
    return []
