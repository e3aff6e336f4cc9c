"""Grafana dashboards as code: `python -m seatgate.observability.dashboards` writes
ops/grafana/dashboards/*.json; `--check` fails if the committed files differ.

Every query names only metrics the app or k6 exports; tests/integration/test_dashboards.py
parses each one with promtool and compares its metric names with a live /metrics, and the
load-test smoke test compares the k6 names with what a real k6 run streamed to Prometheus.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seatgate.observability.ops import OPS_DIR_HELP, ops_dir

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
USER_ROUTES = 'job="seatgate-api",route!~"/metrics|/healthz|/readyz.*"'
LOAD_TEST_UID = "seatgate-loadtest"  # the report links it (loadtest/telemetry.py)


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


def _panel(panel: Panel, index: int) -> dict[str, Any]:
    width = 12 if panel.kind == "timeseries" else 6
    per_row = 24 // width
    return {
        "id": index + 1,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": (index % per_row) * width, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + n), "expr": expr, "legendFormat": legend}
            for n, (expr, legend) in enumerate(panel.queries)
        ],
    }


def dashboard(
    uid: str, title: str, panels: list[Panel], variables: tuple[dict[str, Any], ...] = ()
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["seatgate"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5s",
        "time": {"from": "now-30m", "to": "now"},
        "templating": {"list": list(variables)},
        "panels": [_panel(panel, index) for index, panel in enumerate(panels)],
    }


def _label_variable(name: str, metric: str, label: str) -> dict[str, Any]:
    """A multi-select Grafana variable over one label's values (Prometheus datasource)."""
    query = f"label_values({metric}, {label})"
    return {
        "name": name,
        "label": name,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "definition": query,
        "refresh": 2,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "sort": 2,
    }


def _ratio(good: str, all_: str) -> str:
    return f"sum(rate({good}[1m])) / sum(rate({all_}[1m]))"


def _quantile(q: float) -> tuple[str, str]:
    expr = (
        f"histogram_quantile({q}, sum by (le, route) "
        f"(rate(http_request_duration_seconds_bucket{{{USER_ROUTES}}}[1m])))"
    )
    return expr, f"p{int(q * 100)} {{{{route}}}}"


API = [
    Panel(
        "Requests per second by route",
        ((f"sum by (route) (rate(http_requests_total{{{USER_ROUTES}}}[1m]))", "{{route}}"),),
        "reqps",
    ),
    Panel(
        "5xx ratio",
        (
            (
                _ratio(
                    f'http_requests_total{{{USER_ROUTES},status=~"5.."}}',
                    f"http_requests_total{{{USER_ROUTES}}}",
                ),
                "5xx",
            ),
        ),
        "percentunit",
        description="SeatgateHighErrorRate fires above 1 % (the report's http_req_failed).",
    ),
    Panel(
        "Responses by status",
        ((f"sum by (status) (rate(http_requests_total{{{USER_ROUTES}}}[1m]))", "{{status}}"),),
        "reqps",
    ),
    Panel(
        "Latency p50 / p95 / p99 by route", (_quantile(0.5), _quantile(0.95), _quantile(0.99)), "s"
    ),
    Panel(
        "Dependencies up (readiness)",
        (("min by (dependency) (seatgate_dependency_up)", "{{dependency}}"),),
        description="0: /readyz (database, redis: SeatgateNotReady) or /readyz/broker "
        "(kafka: SeatgateBrokerUnreachable) answers 503.",
    ),
    Panel("Processes up", (('up{job=~"seatgate-.*"}', "{{job}} {{instance}}"),)),
]

WAITING_ROOM = [
    Panel("Waiting", (("sum by (concert_id) (seatgate_queue_waiting)", "concert {{concert_id}}"),)),
    Panel("Active", (("sum by (concert_id) (seatgate_queue_active)", "concert {{concert_id}}"),)),
    Panel(
        "Tokens issued per second",
        (("rate(seatgate_queue_tokens_issued_total[1m])", "issued"),),
        "ops",
    ),
    Panel(
        "Admissions per second", (("rate(seatgate_queue_admitted_total[1m])", "admitted"),), "ops"
    ),
    Panel(
        "Estimated wait",
        (
            (
                "sum(seatgate_queue_waiting) / "
                "clamp_min(rate(seatgate_queue_admitted_total[1m]), 0.001)",
                "seconds for the last in line",
            ),
        ),
        "s",
        description="Waiting tokens divided by the measured admission rate.",
    ),
    Panel(
        "Token issue success ratio",
        (
            (
                _ratio(
                    'http_requests_total{job="seatgate-api",method="POST",route="/api/v1/queue/tokens",status=~"2.."}',
                    'http_requests_total{job="seatgate-api",method="POST",route="/api/v1/queue/tokens"}',
                ),
                "2xx",
            ),
        ),
        "percentunit",
        description="SeatgateTokenIssueSuccessLow fires below 99 %.",
    ),
]

RESERVATIONS = [
    Panel(
        "Reservation outcomes per second",
        (("sum by (outcome) (rate(seatgate_reservations_total[1m]))", "{{outcome}}"),),
        "ops",
    ),
    Panel(
        "Reservation success ratio (201/409)",
        (
            (
                _ratio(
                    'http_requests_total{job="seatgate-api",method="POST",route="/api/v1/reservations",status=~"201|409"}',
                    'http_requests_total{job="seatgate-api",method="POST",route="/api/v1/reservations"}',
                ),
                "definitive answers",
            ),
        ),
        "percentunit",
        description="A taken seat (409) is a correct answer. SeatgateReservationSuccessLow < 99 %.",
    ),
    Panel(
        "Payment outcomes per second",
        (("sum by (outcome) (rate(seatgate_payments_total[1m]))", "{{outcome}}"),),
        "ops",
    ),
    Panel(
        "Holds expired per second", (("rate(seatgate_holds_expired_total[1m])", "expired"),), "ops"
    ),
]

OUTBOX = [
    Panel("Outbox pending", (("max(seatgate_outbox_pending)", "pending"),)),
    Panel(
        "Outbox oldest age",
        (("max(seatgate_outbox_oldest_age_seconds)", "oldest"),),
        "s",
        description="SeatgateOutboxStale fires above 30 s.",
    ),
    Panel(
        "Events published per second by topic",
        (("sum by (topic) (rate(seatgate_events_published_total[1m]))", "{{topic}}"),),
        "ops",
    ),
    Panel(
        "Consumer lag by group and topic",
        (("sum by (group, topic) (seatgate_consumer_lag)", "{{group}} {{topic}}"),),
    ),
    Panel(
        "Dead-letter messages",
        (("sum by (topic) (increase(seatgate_dlq_messages_total[5m]))", "{{topic}}"),),
        description="Messages parked in <topic>.dlq; replay with `seatgate dlq replay`.",
    ),
]

DB_POOL = [
    Panel(
        "Pool in use vs size by process",
        (
            ("sum by (job, instance) (seatgate_db_pool_in_use)", "in use {{job}} {{instance}}"),
            ("sum by (job, instance) (seatgate_db_pool_size)", "size {{job}} {{instance}}"),
        ),
    ),
    Panel(
        "Pool saturation",
        (
            (
                "sum by (job, instance) (seatgate_db_pool_in_use) / "
                "sum by (job, instance) (seatgate_db_pool_size)",
                "{{job}} {{instance}}",
            ),
        ),
        "percentunit",
        description="SeatgateDbPoolSaturated fires above 90 %.",
    ),
]

# k6's own metrics (remote write from `seatgate loadtest --prometheus`, trend stats in
# seconds), beside what the app received: a gap is requests that never arrived.
K6_RUN = 'testid=~"$testid"'
K6_FAILED = f'k6_http_reqs_total{{{K6_RUN},expected_response="false"}}'
LOAD_TEST = [
    Panel(
        "k6 sent vs app received (requests per second)",
        (
            (f"sum(rate(k6_http_reqs_total{{{K6_RUN}}}[30s]))", "k6 sent"),
            (f"sum(rate(http_requests_total{{{USER_ROUTES}}}[30s]))", "app received"),
        ),
        "reqps",
        description="k6 sending while the app receives nothing: the target is unreachable "
        "from k6 (the seed report's incident). See SeatgateLoadTestFailing in the runbook.",
    ),
    Panel(
        "k6 failed requests (http_req_failed)",
        (
            (
                f"sum(rate({K6_FAILED}[30s])) / sum(rate(k6_http_reqs_total{{{K6_RUN}}}[30s]))",
                "last 30 s",
            ),
            (
                f"sum by (testid) ({K6_FAILED}) / sum by (testid) (k6_http_reqs_total{{{K6_RUN}}})",
                "run so far {{testid}}",
            ),
        ),
        "percentunit",
        description="SeatgateLoadTestFailing fires above 1 %; 409 under contention is expected.",
    ),
    Panel(
        "k6 p95 by endpoint",
        ((f"max by (name) (k6_http_req_duration_p95{{{K6_RUN}}})", "{{name}}"),),
        "s",
        description="k6's `name` tag: one series per API call of the scenario.",
    ),
    Panel(
        "k6 p99 by endpoint",
        ((f"max by (name) (k6_http_req_duration_p99{{{K6_RUN}}})", "{{name}}"),),
        "s",
    ),
    Panel(
        "k6 failed requests by endpoint and error",
        (
            (
                f"sum by (name, status, error_code) (rate({K6_FAILED}[30s]))",
                "{{name}} {{status}} {{error_code}}",
            ),
        ),
        "reqps",
        description="error_code 1211/1212: dial timeout/refused; status 503: a dependency.",
    ),
    Panel(
        "Virtual users",
        ((f"sum by (testid) (k6_vus{{{K6_RUN}}})", "{{testid}}"),),
    ),
    Panel(
        "k6 checks passing",
        ((f"avg by (testid) (k6_checks_rate{{{K6_RUN}}})", "{{testid}}"),),
        "percentunit",
    ),
    Panel(
        "Waiting-room wait seen by k6 (p95)",
        ((f"max by (testid) (k6_queue_wait_p95{{{K6_RUN}}})", "{{testid}}"),),
        "s",
        description="From the queue token's issue to ACTIVE, as users lived it.",
    ),
]

DASHBOARDS: dict[str, dict[str, Any]] = {
    "api.json": dashboard("seatgate-api", "seatgate / API", API),
    "waiting-room.json": dashboard(
        "seatgate-waiting-room", "seatgate / Waiting room", WAITING_ROOM
    ),
    "reservations.json": dashboard(
        "seatgate-reservations", "seatgate / Reservations and payments", RESERVATIONS
    ),
    "outbox-kafka.json": dashboard("seatgate-outbox", "seatgate / Outbox and Kafka", OUTBOX),
    "db-pool.json": dashboard("seatgate-db-pool", "seatgate / Database pool", DB_POOL),
    "loadtest.json": dashboard(
        LOAD_TEST_UID,
        "seatgate / Load test",
        LOAD_TEST,
        (_label_variable("testid", "k6_http_reqs_total", "testid"),),
    ),
}


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, PromQL) of every panel."""
    return [
        (name, panel["title"], target["expr"])
        for name, board in DASHBOARDS.items()
        for panel in board["panels"]
        for target in panel["targets"]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--ops-dir", type=Path, help=OPS_DIR_HELP)
    parser.add_argument("--out", type=Path, help="default: grafana/dashboards under ops/")
    args = parser.parse_args(argv)
    out = args.out or ops_dir(args.ops_dir) / "grafana" / "dashboards"
    stale = []
    for name, board in DASHBOARDS.items():
        path = out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != render(board):
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(board), encoding="utf-8")
    if stale:
        print(
            f"dashboards: {', '.join(stale)} differ from the generator; "
            "fix: python -m seatgate.observability.dashboards",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
