"""The load-test report's verdicts, from recorded k6 runs (tests/fixtures/loadtest/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from seatgate.loadtest.report.analysis import endpoints, passed, verdicts
from seatgate.loadtest.report.generate import generate_report
from seatgate.loadtest.report.inputs import read_inputs

FIXTURES = Path(__file__).parents[1] / "fixtures" / "loadtest"


def judged(name: str) -> dict[str, bool | None]:
    return {v.key: v.ok for v in verdicts(read_inputs(FIXTURES / name))}


def test_a_passing_run_passes_every_threshold_of_the_seed_report() -> None:
    assert judged("pass") == {
        "total_requests": None,
        "avg": True,
        "p95": True,
        "failed": True,
        "reservation": True,
        "token": True,
    }
    assert passed(read_inputs(FIXTURES / "pass"))


def test_500s_on_reservations_fail_the_failure_rate_and_reservation_success() -> None:
    verdict = judged("internal-500")
    assert verdict["failed"] is False
    assert verdict["reservation"] is False
    assert verdict["token"] is True
    assert not passed(read_inputs(FIXTURES / "internal-500"))


def test_a_target_that_went_away_fails_the_failure_rate() -> None:
    assert judged("target-killed")["failed"] is False


def test_a_step_the_scenario_never_reached_is_a_failure_not_a_pass(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "pass", run)
    summary = json.loads((run / "summary.json").read_text())
    summary["metrics"]["reservation_success"]["values"] = {"rate": 0, "passes": 0, "fails": 0}
    (run / "summary.json").write_text(json.dumps(summary))
    reservation = next(v for v in verdicts(read_inputs(run)) if v.key == "reservation")
    assert reservation.ok is False


def test_a_step_the_scenario_does_not_exercise_is_not_judged(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "pass", run)
    meta = json.loads((run / "run.json").read_text())
    meta["exercises"] = ["user", "token", "poll"]
    (run / "run.json").write_text(json.dumps(meta))
    reservation = next(v for v in verdicts(read_inputs(run)) if v.key == "reservation")
    assert reservation.ok is None
    assert passed(read_inputs(run))


def test_an_aborted_k6_run_never_passes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "pass", run)
    meta = json.loads((run / "run.json").read_text())
    meta["k6_exit_code"] = 108
    (run / "run.json").write_text(json.dumps(meta))
    assert not passed(read_inputs(run))


def test_per_endpoint_results_cover_the_whole_flow() -> None:
    found = {e.endpoint: e for e in endpoints(read_inputs(FIXTURES / "pass"))}
    assert set(found) == {"user", "token", "poll", "seats", "reservation", "payment"}
    assert all(e.requests > 0 and e.p95_ms is not None for e in found.values())
    assert found["reservation"].success_rate == 1


@pytest.mark.parametrize(
    ("fixture", "lang", "rows"),
    [
        ("pass", "ko", ["| 실패 요청 비율 | 0% | < 1% | ✅ 양호 |", "| Token 발급 성공률 |"]),
        ("internal-500", "ko", ["| 예약 API 성공률 | 0% | > 99% | ❌ 실패 |"]),
        ("internal-500", "en", ["| Reservation API success | 0% | > 99% | ❌ fail |"]),
    ],
)
def test_the_results_table_has_the_seed_reports_shape(
    tmp_path: Path, fixture: str, lang: str, rows: list[str]
) -> None:
    report = generate_report(FIXTURES / fixture, lang, tmp_path)  # type: ignore[arg-type]
    text = report.markdown.read_text()
    header = "| 지표 항목 | 측정값 | 임계 기준 | 판정 |" if lang == "ko" else "| Metric |"
    assert header in text
    for row in rows:
        assert row in text
