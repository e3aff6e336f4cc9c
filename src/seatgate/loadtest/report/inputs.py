"""What a run leaves in its directory, read back: k6's summary, the time series of
its requests, the app's metrics before and after, sampled failures and app logs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seatgate.loadtest.report.points import Points, read_points
from seatgate.loadtest.report.prom import Scrape, parse_scrape

SUMMARY = "summary.json"
META = "run.json"
POINTS = ("points.csv.gz", "points.csv")
METRICS_BEFORE = "metrics-before.txt"
METRICS_AFTER = "metrics-after.txt"
FAILURES = "failures.log"
APP_LOG = "app.log"
DASHBOARD = "k6-dashboard.html"

ALL_ENDPOINTS = ("user", "token", "poll", "seats", "reservation", "payment")


@dataclass(frozen=True)
class RunMeta:
    scenario: str
    target: str
    started_at: str
    vus: int | None = None
    duration: str | None = None
    k6_version: str = ""
    k6_exit_code: int | None = None
    exercises: tuple[str, ...] = ALL_ENDPOINTS
    readyz_after: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    # With --prometheus: {prometheus, testid, dashboard_url, alert, alert_fired}.
    telemetry: dict[str, Any] | None = None
    # What k6 itself cost: {wall_seconds, cpu_seconds, max_rss_mb} (runs since 2026-11-25).
    k6: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunMeta:
        return cls(
            scenario=str(data.get("scenario", "?")),
            target=str(data.get("target", "?")),
            started_at=str(data.get("started_at", "")),
            vus=data.get("vus"),
            duration=data.get("duration"),
            k6_version=str(data.get("k6_version", "")),
            k6_exit_code=data.get("k6_exit_code"),
            exercises=tuple(data.get("exercises") or ALL_ENDPOINTS),
            readyz_after=data.get("readyz_after"),
            notes=tuple(data.get("notes") or ()),
            telemetry=data.get("telemetry"),
            k6=data.get("k6"),
        )


@dataclass(frozen=True)
class Failure:
    """One sampled failure line written by the k6 scripts (lib/metrics.js)."""

    endpoint: str
    status: int
    code: str
    request_id: str | None
    detail: str | None


@dataclass(frozen=True)
class RunInputs:
    meta: RunMeta
    summary: dict[str, Any]
    points: Points | None
    before: Scrape | None
    after: Scrape | None
    failures: tuple[Failure, ...]
    app_errors: tuple[dict[str, Any], ...] = field(default=())
    dashboard: str | None = None

    def metric(self, name: str) -> dict[str, Any] | None:
        found = self.summary.get("metrics", {}).get(name)
        return found if isinstance(found, dict) else None


def console_message(line: str) -> str | None:
    """The console message of one k6 log line (logfmt `msg="..."` or JSON)."""
    if line.startswith("{"):
        try:
            outer = json.loads(line)
        except ValueError:
            return None
        return str(outer.get("msg", "")) if isinstance(outer, dict) else None
    start = line.find('msg="')
    if start < 0:
        return None
    quoted = line[start + 4 :].rsplit('"', 1)[0] + '"'
    try:
        return str(json.loads(quoted))
    except ValueError:
        return None


def _failure(line: str) -> Failure | None:
    message = console_message(line)
    if not message or not message.startswith("{"):
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict) or "failure" not in data:
        return None
    return Failure(
        endpoint=str(data["failure"]),
        status=int(data.get("status") or 0),
        code=str(data.get("code") or "NO_CODE"),
        request_id=data.get("request_id"),
        detail=data.get("detail"),
    )


def app_error(line: str) -> dict[str, Any] | None:
    """The log entry of `line` when it is a JSON line at error level or above."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if isinstance(entry, dict) and entry.get("level") in {"error", "critical"}:
        return entry
    return None


def _app_errors(path: Path) -> tuple[dict[str, Any], ...]:
    found = (app_error(line) for line in path.read_text(errors="replace").splitlines())
    return tuple(entry for entry in found if entry is not None)


def read_inputs(run_dir: Path) -> RunInputs:
    summary = json.loads((run_dir / SUMMARY).read_text())
    meta_path = run_dir / META
    meta = RunMeta.from_json(json.loads(meta_path.read_text()) if meta_path.exists() else {})
    points_path = next((run_dir / name for name in POINTS if (run_dir / name).exists()), None)
    failures_path = run_dir / FAILURES
    failures = (
        tuple(
            found
            for line in failures_path.read_text(errors="replace").splitlines()
            if (found := _failure(line)) is not None
        )
        if failures_path.exists()
        else ()
    )
    before, after = run_dir / METRICS_BEFORE, run_dir / METRICS_AFTER
    return RunInputs(
        meta=meta,
        summary=summary,
        points=read_points(points_path) if points_path else None,
        before=parse_scrape(before.read_text()) if before.exists() else None,
        after=parse_scrape(after.read_text()) if after.exists() else None,
        failures=failures,
        app_errors=_app_errors(run_dir / APP_LOG) if (run_dir / APP_LOG).exists() else (),
        dashboard=DASHBOARD if (run_dir / DASHBOARD).exists() else None,
    )
