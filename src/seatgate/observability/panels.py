"""The panels of each Grafana dashboard: what is shown, as PromQL over seatgate's metrics.

`dashboards.py` lays them out as Grafana JSON; tests parse every query with promtool.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_ROUTES = 'job="seatgate-api",route!~"/metrics|/healthz|/readyz.*"'


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


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
