"""Prometheus metrics; names are part of the contract (DESIGN.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

http_requests_total = Counter(
    "http_requests_total", "HTTP requests answered.", ("method", "route", "status")
)
http_request_duration_seconds = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    http_requests_total.labels(method, route, str(status)).inc()
    http_request_duration_seconds.labels(method, route).observe(seconds)


# --- waiting room ---------------------------------------------------------------------------
queue_tokens_issued_total = Counter(
    "seatgate_queue_tokens_issued_total", "Queue tokens issued (new tokens, not repeats)."
)
queue_admitted_total = Counter(
    "seatgate_queue_admitted_total", "Queue tokens moved from WAITING to ACTIVE."
)
# Gauges say how several processes combine in multiprocess mode (observability/exposition.py):
# a state someone measured is the most recent value; a per-process quantity is a live sum.
queue_waiting = Gauge(
    "seatgate_queue_waiting",
    "WAITING queue tokens.",
    ("concert_id",),
    multiprocess_mode="mostrecent",
)
queue_active = Gauge(
    "seatgate_queue_active", "ACTIVE queue tokens.", ("concert_id",), multiprocess_mode="mostrecent"
)

# --- on-sale: ETA accuracy, leavers, pre-queue, sold-out, limits ----------------------------
queue_eta_accuracy = Histogram(
    "seatgate_queue_eta_accuracy",
    "Actual / predicted admission wait, observed at admission (1 = the ETA was right).",
    buckets=(0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0),
)
queue_abandoned_total = Counter(
    "seatgate_queue_abandoned_total", "WAITING queue tokens expired because their owner left."
)
queue_abandoned_wait_seconds = Histogram(
    "seatgate_queue_abandoned_wait_seconds",
    "How long an abandoned WAITING token had waited.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
queue_prequeue = Gauge(
    "seatgate_queue_prequeue", "Queue tokens in pre-queues.", multiprocess_mode="mostrecent"
)
queue_sold_out_after_seconds = Gauge(
    "seatgate_queue_sold_out_after_seconds",
    "Seconds from the sale's opening to the moment admission stopped for sold-out.",
    ("concert",),
    multiprocess_mode="mostrecent",
)
rate_limited_total = Counter(
    "seatgate_rate_limited_total",
    "Requests refused 429 RATE_LIMITED, by the limit that refused them (user, address).",
    ("scope",),
)

# --- reservations and payments ----------------------------------------------------------------
reservations_total = Counter(
    "seatgate_reservations_total",
    "Hold attempts by outcome (held, seat_unavailable, rejected, error).",
    ("outcome",),
)
payments_total = Counter(
    "seatgate_payments_total",
    "Payment attempts by outcome (completed, insufficient_balance, expired, already_paid, error).",
    ("outcome",),
)
holds_expired_total = Counter("seatgate_holds_expired_total", "Seat holds released by expiry.")

# --- outbox and Kafka -------------------------------------------------------------------------
outbox_pending = Gauge(
    "seatgate_outbox_pending", "Outbox events not yet published.", multiprocess_mode="mostrecent"
)
outbox_oldest_age_seconds = Gauge(
    "seatgate_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox event.",
    multiprocess_mode="mostrecent",
)
events_published_total = Counter(
    "seatgate_events_published_total", "Events acknowledged by Kafka.", ("topic",)
)
consumer_lag = Gauge(
    "seatgate_consumer_lag",
    "Messages behind the log end.",
    ("group", "topic"),
    multiprocess_mode="mostrecent",
)

# --- database pool ----------------------------------------------------------------------------
db_pool_in_use = Gauge(
    "seatgate_db_pool_in_use", "Pool connections checked out.", multiprocess_mode="livesum"
)
db_pool_size = Gauge(
    "seatgate_db_pool_size", "Pool connections configured (max).", multiprocess_mode="livesum"
)

# --- readiness --------------------------------------------------------------------------------
dependency_up = Gauge(
    "seatgate_dependency_up",
    "1 when the API reaches the dependency (/readyz, /readyz/broker; every few seconds), else 0.",
    ("dependency",),
    multiprocess_mode="mostrecent",
)

# --- dead letters -----------------------------------------------------------------------------
dlq_messages_total = Counter(
    "seatgate_dlq_messages_total",
    "Messages a consumer gave up on and parked in a dead-letter topic.",
    ("topic",),
)
