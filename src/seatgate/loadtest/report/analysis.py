"""Verdicts against the seed report's thresholds and per-endpoint results, from k6's summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seatgate.loadtest.report.inputs import RunInputs

P95_LIMIT_MS = 1000.0
AVG_LIMIT_MS = 1000.0
FAILED_LIMIT = 0.01
SUCCESS_LIMIT = 0.99

# k6 exit codes that are not "thresholds failed" (99) still mean the run is not valid.
K6_OK_EXIT_CODES = frozenset({0, 99})


@dataclass(frozen=True)
class Verdict:
    key: str  # total_requests | avg | p95 | failed | reservation | token
    value: float | None
    unit: str  # count | ms | ratio
    limit: str | None  # "< 1s", "< 1%", "> 99%"
    ok: bool | None  # None: not judged (no threshold, or not exercised by the scenario)
    samples: int | None = None


@dataclass(frozen=True)
class EndpointResult:
    endpoint: str
    requests: int
    success_rate: float | None
    avg_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None


def _values(inputs: RunInputs, name: str) -> dict[str, Any]:
    metric = inputs.metric(name)
    values = metric.get("values") if metric else None
    return values if isinstance(values, dict) else {}


def _rate(inputs: RunInputs, name: str) -> tuple[float | None, int]:
    values = _values(inputs, name)
    samples = int(values.get("passes", 0)) + int(values.get("fails", 0))
    return (float(values["rate"]) if samples else None), samples


def _success_verdict(inputs: RunInputs, key: str) -> Verdict:
    if key not in inputs.meta.exercises:
        return Verdict(key, None, "ratio", f"> {SUCCESS_LIMIT:.0%}", None)
    rate, samples = _rate(inputs, f"{key}_success")
    # Not one request of a step the scenario exercises is a failure of that step.
    ok = rate is not None and rate > SUCCESS_LIMIT
    return Verdict(key, rate, "ratio", f"> {SUCCESS_LIMIT:.0%}", ok, samples)


def verdicts(inputs: RunInputs) -> tuple[Verdict, ...]:
    requests = _values(inputs, "http_reqs").get("count")
    duration = _values(inputs, "http_req_duration")
    failed, failed_samples = _rate(inputs, "http_req_failed")
    avg, p95 = duration.get("avg"), duration.get("p(95)")
    return (
        Verdict("total_requests", float(requests or 0), "count", None, None),
        Verdict("avg", avg, "ms", "< 1s", None if avg is None else avg < AVG_LIMIT_MS),
        Verdict("p95", p95, "ms", "< 1s", None if p95 is None else p95 < P95_LIMIT_MS),
        Verdict(
            "failed",
            failed,
            "ratio",
            f"< {FAILED_LIMIT:.0%}",
            failed is not None and failed < FAILED_LIMIT,
            failed_samples,
        ),
        _success_verdict(inputs, "reservation"),
        _success_verdict(inputs, "token"),
    )


def k6_threshold_failures(inputs: RunInputs) -> tuple[str, ...]:
    """Thresholds k6 itself marked crossed (handleSummary data: {ok: false})."""
    crossed: list[str] = []
    for name, metric in sorted(inputs.summary.get("metrics", {}).items()):
        for expression, result in sorted((metric.get("thresholds") or {}).items()):
            if isinstance(result, dict) and result.get("ok") is False:
                crossed.append(f"{name} {expression}")
    return tuple(crossed)


def passed(inputs: RunInputs) -> bool:
    exit_code = inputs.meta.k6_exit_code
    return (
        all(verdict.ok is not False for verdict in verdicts(inputs))
        and not k6_threshold_failures(inputs)
        and (exit_code is None or exit_code in K6_OK_EXIT_CODES)
    )


def endpoints(inputs: RunInputs) -> tuple[EndpointResult, ...]:
    found = []
    for endpoint in inputs.meta.exercises:
        rate, samples = _rate(inputs, f"{endpoint}_success")
        trend = _values(inputs, f"{endpoint}_duration")
        if not samples and not trend:
            continue
        found.append(
            EndpointResult(
                endpoint=endpoint,
                requests=samples,
                success_rate=rate,
                avg_ms=trend.get("avg"),
                p95_ms=trend.get("p(95)"),
                p99_ms=trend.get("p(99)"),
                max_ms=trend.get("max"),
            )
        )
    return tuple(found)


def counter(inputs: RunInputs, name: str) -> int:
    return int(_values(inputs, name).get("count", 0))


def trend_value(inputs: RunInputs, name: str, stat: str) -> float | None:
    value = _values(inputs, name).get(stat)
    return float(value) if value is not None else None
