"""Prometheus metrics; names are part of the contract (DESIGN.md)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
