"""Cause analysis of recorded failing runs: each failure class is named with its cause."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seatgate.loadtest.report.analysis import passed
from seatgate.loadtest.report.causes import KINDS, describe
from seatgate.loadtest.report.findings import Finding, classify, findings
from seatgate.loadtest.report.generate import generate_report
from seatgate.loadtest.report.inputs import read_inputs

FIXTURES = Path(__file__).parents[1] / "fixtures" / "loadtest"


def kinds(name: str) -> dict[str, Finding]:
    return {f.kind: f for f in findings(read_inputs(FIXTURES / name))}


def test_a_clean_run_has_no_finding() -> None:
    assert kinds("pass") == {}


def test_500_internal_errors_point_at_a_defect_with_request_ids() -> None:
    internal = kinds("internal-500")["internal"]
    assert internal.severity == "fail"
    assert internal.endpoints == ("reservation",)
    assert internal.codes == ("INTERNAL_ERROR",)
    assert internal.count > 0
    assert internal.request_ids


def test_503_dependency_unavailable_names_the_database() -> None:
    found = kinds("db-down-503")
    assert found["dependency"].params["dependencies"] == "database"
    assert found["dependency"].statuses == (503,)
    assert found["down_after"].params["dependencies"] == "database"


def test_connection_refused_mid_run_names_the_target_and_when() -> None:
    refused = kinds("target-killed")["refused"]
    assert refused.params["mid_run"] == "yes"
    assert int(refused.params["first_s"]) > 0
    assert set(refused.codes) == {"K6_1212"}


def test_postgresql_stopped_mid_run_is_named_even_when_the_api_answered_500() -> None:
    found = kinds("db-stopped")
    outage = found["dependency_500"]
    assert outage.params["dependencies"] == "database"
    assert outage.params["mid_run"] == "yes"
    assert outage.statuses == (500,)
    assert found["down_after"].params["dependencies"] == "database"
    assert not passed(read_inputs(FIXTURES / "db-stopped"))


def test_a_stopped_broker_warns_about_outbox_age_without_failing(tmp_path: Path) -> None:
    found = kinds("broker-down")
    assert found["outbox_backlog"].severity == "warn"
    assert found["outbox_backlog"].params == {"age_s": "25", "pending": "265", "kafka_down": "yes"}
    assert "down_after" not in found
    assert all(f.severity != "fail" for f in found.values())
    report = generate_report(FIXTURES / "broker-down", "en", tmp_path)
    assert report.passed
    assert "The oldest outbox event waited 25 s unpublished" in report.markdown.read_text()


@pytest.mark.parametrize(
    ("status", "code", "endpoint", "kind"),
    [
        (0, "K6_1212", "user", "refused"),
        (0, "K6_1211", "user", "dial_timeout"),
        (0, "K6_1050", "payment", "request_timeout"),
        (0, "K6_1101", "user", "dns"),
        (0, "K6_1220", "seats", "connection_lost"),
        (503, "DEPENDENCY_UNAVAILABLE", "reservation", "dependency"),
        (500, "INTERNAL_ERROR", "reservation", "internal"),
        (500, "NO_CODE", "reservation", "internal"),
        (502, "NO_CODE", "token", "gateway"),
        (404, "NOT_FOUND", "user", "dev_users_missing"),
        (403, "TOKEN_NOT_ACTIVE", "reservation", "queue_token"),
        (410, "RESERVATION_EXPIRED", "payment", "hold_expired"),
        (402, "INSUFFICIENT_BALANCE", "payment", "balance"),
    ],
)
def test_failures_are_classified_by_status_and_code(
    status: int, code: str, endpoint: str, kind: str
) -> None:
    assert classify(status, code, endpoint) == kind


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_class_has_cause_and_fix_in_both_languages(kind: str) -> None:
    finding = Finding(
        kind,
        "fail",
        count=3,
        codes=("X",),
        endpoints=("user",),
        params={
            "dependencies": "database",
            "exit_code": "108",
            "p95_ms": "1200",
            "pool": "20/20",
            "slowest": "token (p95 1200 ms)",
            "ratio": "40%",
            "age_s": "30",
            "pending": "5",
            "kafka_down": "yes",
            "messages": "boom",
        },
    )
    for lang in ("ko", "en"):
        component, cause, fix = describe(finding, lang)  # type: ignore[arg-type]
        assert component
        assert cause
        assert fix
        assert "{" not in cause + fix + component


# --- the run-level causes, each from a synthetic run directory ---------------------------------
# A copy of the clean `pass` run with one thing changed: the finding must appear with its
# severity and parameters, render its cause in both languages, and the clean copy must not.


def _edited_run(
    tmp_path: Path, edit: Callable[[dict[str, Any], dict[str, Any], Path], None]
) -> Path:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "pass", run)
    summary = json.loads((run / "summary.json").read_text())
    meta = json.loads((run / "run.json").read_text())
    edit(summary, meta, run)
    (run / "summary.json").write_text(json.dumps(summary))
    (run / "run.json").write_text(json.dumps(meta))
    return run


def _count(summary: dict[str, Any], name: str, count: int) -> None:
    summary["metrics"][name] = {
        "type": "counter",
        "contains": "default",
        "values": {"count": count, "rate": 1.0},
    }


def _slow_seats(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    summary["metrics"]["http_req_duration"]["values"]["p(95)"] = 1500.0
    summary["metrics"]["seats_duration"]["values"]["p(95)"] = 2400.0


def _queue_timeouts(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    _count(summary, "queue_timeouts", 7)


def _contention(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    _count(summary, "seat_conflicts", 14)  # of 28 attempts: 50 %, above the 20 % warning


def _contention_scenario(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    _count(summary, "seat_conflicts", 14)
    meta["scenario"] = "contention"


def _sold_out(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    _count(summary, "sold_out", 5)


def _k6_aborted(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    meta["k6_exit_code"] = 108


def _app_errors(summary: dict[str, Any], meta: dict[str, Any], run: Path) -> None:
    lines = [
        {"ts": "2026-11-24T18:40:50Z", "level": "error", "logger": "x", "msg": "pool exhausted"},
        {"ts": "2026-11-24T18:40:51Z", "level": "info", "logger": "x", "msg": "fine"},
        {"ts": "2026-11-24T18:40:52Z", "level": "critical", "logger": "x", "msg": "disk full"},
    ]
    (run / "app.log").write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.mark.parametrize(
    ("edit", "kind", "severity", "expected"),
    [
        (_slow_seats, "slow", "fail", {"p95_ms": "1500", "slowest": "seats (p95 2400 ms)"}),
        (_queue_timeouts, "queue_timeout", "warn", {"count": 7}),
        (_contention, "contention", "warn", {"count": 14, "ratio": "50%"}),
        (_contention_scenario, "contention_expected", "info", {"count": 14, "ratio": "50%"}),
        (_sold_out, "sold_out", "warn", {"count": 5}),
        (_k6_aborted, "k6_aborted", "fail", {"exit_code": "108"}),
        (_app_errors, "app_errors", "info", {"count": 2, "messages": "disk full; pool exhausted"}),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_run_level_cause_is_found_from_its_run_directory(
    tmp_path: Path,
    edit: Callable[[dict[str, Any], dict[str, Any], Path], None],
    kind: str,
    severity: str,
    expected: dict[str, Any],
) -> None:
    run = _edited_run(tmp_path, edit)
    found = {f.kind: f for f in findings(read_inputs(run))}
    assert set(found) == {kind}
    finding = found[kind]
    assert finding.severity == severity
    for name, value in expected.items():
        assert (finding.count if name == "count" else finding.params[name]) == value
    for lang in ("ko", "en"):
        component, cause, fix = describe(finding, lang)  # type: ignore[arg-type]
        assert all((component, cause, fix))
        assert "{" not in component + cause + fix
    rendered = generate_report(run, "en", tmp_path / "report").markdown.read_text()
    assert describe(finding, "en")[1] in rendered
