"""k6's per-request points (`--out csv=…`), reduced to what the report draws and
counts: per-interval throughput, latency and failures, and errors by code."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MAX_BUCKETS = 120
_WANTED = frozenset({"http_reqs", "http_req_duration", "http_req_failed", "request_errors"})


@dataclass(frozen=True)
class Bucket:
    start_s: int
    requests: int
    failed: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class ErrorCount:
    endpoint: str
    status: int
    code: str
    count: int
    first_s: int
    last_s: int


@dataclass(frozen=True)
class Points:
    bucket_seconds: int
    buckets: tuple[Bucket, ...]
    errors: tuple[ErrorCount, ...]
    span_s: int
    last_success_s: int | None
    first_failure_s: int | None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _tags(extra: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in extra.split("&") if "=" in item)
    return dict(pairs)


class _Accumulator:
    def __init__(self) -> None:
        self.durations: dict[int, list[float]] = defaultdict(list)
        self.requests: dict[int, int] = defaultdict(int)
        self.failed: dict[int, int] = defaultdict(int)
        self.errors: dict[tuple[str, int, str], list[int]] = {}
        self.last_success: int | None = None
        self.first_failure: int | None = None

    def add(self, row: dict[str, str]) -> None:
        second = int(row["timestamp"])
        metric = row["metric_name"]
        value = float(row["metric_value"])
        if metric == "http_reqs":
            self.requests[second] += 1
        elif metric == "http_req_duration":
            self.durations[second].append(value)
        elif metric == "http_req_failed":
            if value:
                self.failed[second] += 1
                if self.first_failure is None or second < self.first_failure:
                    self.first_failure = second
            elif self.last_success is None or second > self.last_success:
                self.last_success = second
        else:
            tags = _tags(row.get("extra_tags", ""))
            key = (tags.get("endpoint", "?"), int(row.get("status") or 0), tags.get("code", "?"))
            seen = self.errors.setdefault(key, [0, second, second])
            seen[0] += int(value)
            seen[1], seen[2] = min(seen[1], second), max(seen[2], second)

    def result(self) -> Points:
        seconds = set(self.requests) | {s for key in self.errors.values() for s in key[1:]}
        start = min(seconds) if seconds else 0
        span = (max(seconds) - start + 1) if seconds else 0
        size = max(1, math.ceil(span / MAX_BUCKETS))
        buckets = []
        for index in range(math.ceil(span / size) if span else 0):
            window = range(start + index * size, start + (index + 1) * size)
            durations = [d for s in window for d in self.durations.get(s, [])]
            buckets.append(
                Bucket(
                    start_s=index * size,
                    requests=sum(self.requests.get(s, 0) for s in window),
                    failed=sum(self.failed.get(s, 0) for s in window),
                    p50_ms=percentile(durations, 0.5),
                    p95_ms=percentile(durations, 0.95),
                )
            )
        errors = sorted(
            (
                ErrorCount(endpoint, status, code, seen[0], seen[1] - start, seen[2] - start)
                for (endpoint, status, code), seen in self.errors.items()
            ),
            key=lambda e: (-e.count, e.endpoint, e.status, e.code),
        )
        return Points(
            bucket_seconds=size,
            buckets=tuple(buckets),
            errors=tuple(errors),
            span_s=span,
            last_success_s=None if self.last_success is None else self.last_success - start,
            first_failure_s=None if self.first_failure is None else self.first_failure - start,
        )


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="")
    return path.open(newline="")


def read_points(path: Path) -> Points:
    """Reads the points of the test itself (setup and teardown requests are left out)."""
    accumulator = _Accumulator()
    with _open(path) as stream:
        for row in csv.DictReader(stream):
            if row["metric_name"] in _WANTED and not row.get("group", "").startswith("::"):
                accumulator.add(row)
    return accumulator.result()
