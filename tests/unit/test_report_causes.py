"""Cause analysis of recorded failing runs: each failure class is named with its cause."""

from __future__ import annotations

from pathlib import Path

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
