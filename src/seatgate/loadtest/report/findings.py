"""Failure classes observed in a run, each with its evidence; text.py words the
probable cause and the fix. Only what the inputs show is claimed."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from seatgate.loadtest.report.analysis import (
    K6_OK_EXIT_CODES,
    P95_LIMIT_MS,
    counter,
    endpoints,
    trend_value,
)
from seatgate.loadtest.report.inputs import Failure, RunInputs
from seatgate.loadtest.report.points import ErrorCount

OUTBOX_AGE_WARN_S = 10.0
# Classes that mean the target (or its dependency) went away: worth saying when it happened.
_OUTAGES = frozenset(
    {
        "refused",
        "dial_timeout",
        "request_timeout",
        "connection_lost",
        "dependency",
        "dependency_500",
    }
)
CONTENTION_WARN_RATIO = 0.2
_DEPENDENCIES = ("database", "redis", "kafka")
_DEPENDENCY_WORDS = {
    "database": ("database", "postgres", "asyncpg"),
    "redis": ("redis",),
    "kafka": ("kafka", "broker"),
}
_CONNECTION_WORDS = (
    "connectionrefused",
    "connectionerror",
    "cannotconnect",
    "connection reset",
    "connection was closed",
    "connectiondoesnotexist",
    "connect call failed",
)


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str  # fail | warn | info
    count: int = 0
    endpoints: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    codes: tuple[str, ...] = ()
    request_ids: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)


_TRANSPORT = {1212: "refused", 1210: "dial_timeout", 1211: "dial_timeout", 1213: "dial_timeout"}
_TRANSPORT_TIMEOUT = 1050
_BY_STATUS = {401: "auth", 402: "balance", 410: "hold_expired", 422: "validation", 429: "limited"}
_BY_CODE = {
    "DEPENDENCY_UNAVAILABLE": "dependency",
    "TOKEN_NOT_ACTIVE": "queue_token",
    "QUEUE_TOKEN_INVALID": "queue_token",
}


def _transport(code: str) -> str:
    number = int(code[3:]) if re.fullmatch(r"K6_\d+", code) else 0
    if number == _TRANSPORT_TIMEOUT:
        return "request_timeout"
    if 1100 <= number < 1200:
        return "dns"
    return _TRANSPORT.get(number, "connection_lost")


def classify(status: int, code: str, endpoint: str) -> str:
    """The failure class of one failed answer (status 0: k6 got no HTTP answer)."""
    if status == 0:
        return _transport(code)
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in (502, 504):
        return "gateway"
    if status >= 500:
        return "internal" if code in ("INTERNAL_ERROR", "NO_CODE") else "server_error"
    if status == 404:
        return "dev_users_missing" if endpoint == "user" else "not_found"
    return _BY_STATUS.get(status, "client_error")


def _error_counts(inputs: RunInputs) -> tuple[tuple[ErrorCount, ...], bool]:
    """Errors by endpoint/status/code: every one from the points, else the sampled log."""
    if inputs.points is not None:
        return inputs.points.errors, False
    counts: dict[tuple[str, int, str], int] = defaultdict(int)
    for failure in inputs.failures:
        counts[(failure.endpoint, failure.status, failure.code)] += 1
    return tuple(ErrorCount(e, s, c, n, 0, 0) for (e, s, c), n in sorted(counts.items())), True


def _down_after(inputs: RunInputs) -> tuple[str, ...]:
    readyz = inputs.meta.readyz_after or {}
    if "unreachable" in readyz:
        return ()
    checks = readyz.get("checks") or {}
    return tuple(name for name in _DEPENDENCIES if not (checks.get(name) or {}).get("ok", True))


def _named_dependencies(inputs: RunInputs, failures: list[Failure]) -> tuple[str, ...]:
    text = " ".join((f.detail or "") for f in failures).lower()
    text += " ".join(str(e.get("msg", "")) + str(e.get("exc", "")) for e in inputs.app_errors)
    named = {n for n, words in _DEPENDENCY_WORDS.items() if any(w in text.lower() for w in words)}
    return tuple(n for n in _DEPENDENCIES if n in named or n in _down_after(inputs))


def _lost_connection(inputs: RunInputs) -> bool:
    text = " ".join(str(e.get("exc", "")) for e in inputs.app_errors).lower()
    return bool(_down_after(inputs)) or any(word in text for word in _CONNECTION_WORDS)


def _request_failures(inputs: RunInputs) -> list[Finding]:
    errors, sampled = _error_counts(inputs)
    grouped: dict[str, list[ErrorCount]] = defaultdict(list)
    for error in errors:
        grouped[classify(error.status, error.code, error.endpoint)].append(error)
    findings = []
    for kind, members in grouped.items():
        samples = [f for f in inputs.failures if classify(f.status, f.code, f.endpoint) == kind]
        first = min(m.first_s for m in members)
        params = {"sampled": "yes" if sampled else "no", "first_s": str(first)}
        named = _named_dependencies(inputs, samples) if kind in ("dependency", "internal") else ()
        if named or kind == "dependency":
            params["dependencies"] = ", ".join(named) or "?"
        # a driver's connection error surfaced as a 500 is an outage, not a defect alone
        outage = (
            "dependency_500" if named and kind == "internal" and _lost_connection(inputs) else kind
        )
        points = inputs.points
        if outage in _OUTAGES and points is not None and points.last_success_s is not None:
            # successes before the first error: the target broke during the run
            params["mid_run"] = "yes" if first > 0 else "no"
        findings.append(
            Finding(
                kind=outage,
                severity="fail",
                count=sum(m.count for m in members),
                endpoints=tuple(sorted({m.endpoint for m in members})),
                statuses=tuple(sorted({m.status for m in members})),
                codes=tuple(sorted({m.code for m in members})),
                request_ids=tuple(f.request_id for f in samples if f.request_id)[:5],
                params=params,
            )
        )
    return findings


def _scrape_value(inputs: RunInputs, name: str) -> float | None:
    return inputs.after.value(name) if inputs.after is not None else None


def _run_findings(inputs: RunInputs) -> list[Finding]:
    found: list[Finding] = []
    exit_code = inputs.meta.k6_exit_code
    if exit_code is not None and exit_code not in K6_OK_EXIT_CODES:
        found.append(Finding("k6_aborted", "fail", params={"exit_code": str(exit_code)}))
    p95 = trend_value(inputs, "http_req_duration", "p(95)")
    if p95 is not None and p95 >= P95_LIMIT_MS:
        in_use = _scrape_value(inputs, "seatgate_db_pool_in_use")
        size = _scrape_value(inputs, "seatgate_db_pool_size")
        pool = f"{in_use:.0f}/{size:.0f}" if in_use is not None and size else "?"
        timed = [e for e in endpoints(inputs) if e.p95_ms is not None]
        slowest = max(timed, key=lambda e: e.p95_ms or 0.0, default=None)
        params = {"p95_ms": f"{p95:.0f}", "pool": pool, "slowest": "?"}
        if slowest is not None:
            params["slowest"] = f"{slowest.endpoint} (p95 {slowest.p95_ms:.0f} ms)"
        found.append(Finding("slow", "fail", params=params))
    timeouts = counter(inputs, "queue_timeouts")
    if timeouts:
        found.append(Finding("queue_timeout", "warn", count=timeouts))
    conflicts = counter(inputs, "seat_conflicts")
    reservation = (inputs.metric("reservation_success") or {}).get("values", {})
    attempts = int(reservation.get("passes", 0)) + int(reservation.get("fails", 0))
    if conflicts and attempts:
        ratio = conflicts / attempts
        expected = inputs.meta.scenario == "contention"
        if expected or ratio > CONTENTION_WARN_RATIO:
            found.append(
                Finding(
                    "contention_expected" if expected else "contention",
                    "info" if expected else "warn",
                    count=conflicts,
                    params={"ratio": f"{ratio:.0%}"},
                )
            )
    sold_out = counter(inputs, "sold_out")
    if sold_out:
        expected = inputs.meta.scenario == "contention"  # it races for one schedule's seats
        found.append(Finding("sold_out", "info" if expected else "warn", count=sold_out))
    return found


def _app_findings(inputs: RunInputs) -> list[Finding]:
    found: list[Finding] = []
    age = _scrape_value(inputs, "seatgate_outbox_oldest_age_seconds")
    pending = _scrape_value(inputs, "seatgate_outbox_pending")
    down = _down_after(inputs)
    if age is not None and age > OUTBOX_AGE_WARN_S:
        found.append(
            Finding(
                "outbox_backlog",
                "warn",
                params={
                    "age_s": f"{age:.0f}",
                    "pending": f"{pending or 0:.0f}",
                    "kafka_down": "yes" if "kafka" in down else "no",
                },
            )
        )
        down = tuple(name for name in down if name != "kafka")  # said above, with its effect
    if down:
        found.append(Finding("down_after", "warn", params={"dependencies": ", ".join(down)}))
    if inputs.app_errors:
        messages = sorted({str(e.get("msg", ""))[:80] for e in inputs.app_errors})
        found.append(
            Finding(
                "app_errors",
                "info",
                count=len(inputs.app_errors),
                params={"messages": "; ".join(messages[:3])},
            )
        )
    return found


_SEVERITY_ORDER = {"fail": 0, "warn": 1, "info": 2}


def findings(inputs: RunInputs) -> tuple[Finding, ...]:
    found = _request_failures(inputs) + _run_findings(inputs) + _app_findings(inputs)
    return tuple(sorted(found, key=lambda f: (_SEVERITY_ORDER[f.severity], -f.count, f.kind)))
