"""The flash-crowd report section, on run directories written here the way a run writes
them: the fairness check recomputes the shuffle with the waiting room's own
`queue.fairness` and holds the positions and admissions users saw against it."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest

from seatgate.loadtest.report.crowd_fairness import check
from seatgate.loadtest.report.crowd_figures import figures
from seatgate.loadtest.report.crowd_inputs import read_crowd
from seatgate.loadtest.report.generate import generate_report
from seatgate.loadtest.report.inputs import read_inputs
from seatgate.queue import fairness

FIXTURES = Path(__file__).parents[1] / "fixtures" / "loadtest"
OPENS = 1_795_000_000_000
SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
PREQUEUE = [f"5.prequeue{index:02d}.sig" for index in range(12)]
LATE = [f"5.late{index:02d}.sig" for index in range(3)]
ADMITTED = 3  # the first places get in; the seats are gone after them
METRICS_AFTER = """\
# TYPE seatgate_queue_eta_accuracy histogram
seatgate_queue_eta_accuracy_bucket{le="0.9"} 1.0
seatgate_queue_eta_accuracy_bucket{le="1.1"} 2.0
seatgate_queue_eta_accuracy_bucket{le="1.5"} 3.0
seatgate_queue_eta_accuracy_bucket{le="+Inf"} 3.0
seatgate_queue_eta_accuracy_count 3.0
seatgate_queue_eta_accuracy_sum 3.3
# TYPE seatgate_queue_abandoned_total counter
seatgate_queue_abandoned_total 1.0
# TYPE seatgate_queue_abandoned_wait_seconds histogram
seatgate_queue_abandoned_wait_seconds_bucket{le="5.0"} 0.0
seatgate_queue_abandoned_wait_seconds_bucket{le="15.0"} 1.0
seatgate_queue_abandoned_wait_seconds_bucket{le="+Inf"} 1.0
seatgate_queue_abandoned_wait_seconds_count 1.0
seatgate_queue_abandoned_wait_seconds_sum 11.5
# TYPE seatgate_queue_sold_out_after_seconds gauge
seatgate_queue_sold_out_after_seconds{concert="5"} 4.2
"""


def _line(outcome: str, token: str, **fields: object) -> str:
    entry = {"crowd": outcome, "token": token, "limited": 0, **fields}
    return f'time="2026-11-25T19:00:00Z" level=info msg={json.dumps(json.dumps(entry))}\n'


def _users(told: bytes, *, skip: bool) -> list[str]:
    """Pre-queue users told their places in the order `told` gives, all at once 0.2 s after
    the opening (nobody had left yet); the first ADMITTED of them pay, the fourth leaves,
    the rest see SOLD_OUT from +8 s and poll on. Late arrivals queue behind and sell out too."""
    lines = []
    for place, token in enumerate(fairness.shuffled(told, PREQUEUE), start=1):
        seen = {"position": place, "eta": place, "at": OPENS + 200, "sent": OPENS + 150}
        base = {"arrived": OPENS - 9000 + place, "prequeue": True, "seen": seen}
        admitted_at = OPENS + 1000 * min(place, ADMITTED + 1)  # the skipper: at +4 s
        if place <= ADMITTED or (skip and place == 8):
            lines.append(
                _line("PAID", token, **base, admitted=admitted_at, waited=admitted_at - 900,
                      ended=admitted_at + 3000, last_sent=admitted_at + 2990)
            )  # fmt: skip
        elif place == ADMITTED + 1:
            lines.append(
                _line("ABANDONED", token, **base, ended=OPENS + 1500, last_sent=OPENS + 1490)
            )
        else:
            lines.append(
                _line("SOLD_OUT", token, **base, sold_out=OPENS + 8000, ended=OPENS + 9000,
                      last_sent=OPENS + 8990)
            )  # fmt: skip
    for index, token in enumerate(LATE):
        seen = {
            "position": len(PREQUEUE) + index + 1,
            "eta": 20,
            "at": OPENS + 2100,
            "sent": OPENS + 2050,
        }
        lines.append(
            _line("SOLD_OUT", token, arrived=OPENS + 2000, prequeue=False, seen=seen,
                  sold_out=OPENS + 8100, ended=OPENS + 9000, last_sent=OPENS + 8990)
        )  # fmt: skip
    return lines


def _points(path: Path) -> None:
    header = ["metric_name", "timestamp", "metric_value", "name", "status"]
    rows = [["http_reqs", str(OPENS // 1000 - 9), "1", "POST /api/v1/queue/tokens", "201"]] * 12
    rows += [["http_reqs", str(OPENS // 1000 + 2), "1", "POST /api/v1/queue/tokens", "201"]] * 3
    rows += [["http_reqs", str(OPENS // 1000 + s), "1", "GET /api/v1/queue/tokens/current", "200"]
             for s in range(8) for _ in range(15)]  # fmt: skip
    rows += [["http_reqs", str(OPENS // 1000 + 3), "1", "GET /api/v1/queue/tokens/current", "429"]]
    with gzip.open(path, "wt", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def crowd_run(
    tmp_path: Path, *, told: bytes = SEED, revealed: bytes = SEED, committed: bytes = SEED,
    skip: bool = False, shuffled: bool = True,
) -> Path:  # fmt: skip
    run = tmp_path / "run"
    run.mkdir()
    for name in ("summary.json", "metrics-before.txt"):
        shutil.copy(FIXTURES / "pass" / name, run / name)
    (run / "metrics-after.txt").write_text(METRICS_AFTER)
    meta = {
        "scenario": "flash-crowd",
        "target": "http://127.0.0.1:8104",
        "started_at": "2026-11-25T19:00:00+00:00",
        "k6_exit_code": 0,
        "exercises": ["token", "poll", "seats", "reservation", "payment"],
        "k6": {"wall_seconds": 60.0, "cpu_seconds": 30.0, "max_rss_mb": 120.0},
        "crowd": {"concert_id": 5, "schedule_ids": [7], "seats": 3, "users": 15,
                  "opens_at_ms": OPENS, "carriers": 2, "window_seconds": 12},
    }  # fmt: skip
    (run / "run.json").write_text(json.dumps(meta))
    (run / "failures.log").write_text("".join(_users(told, skip=skip)))
    record = {"commitment": fairness.commitment(committed), "seed": None,
              "algorithm": fairness.ALGORITHM}  # fmt: skip
    (run / "fairness-before.json").write_text(json.dumps(record))
    after = {**record, "seed": revealed.hex() if shuffled else None}
    (run / "fairness.json").write_text(json.dumps(after))
    _points(run / "points.csv.gz")
    return run


def test_a_fair_run_reproduces_every_position_from_the_revealed_seed(tmp_path: Path) -> None:
    crowd = read_crowd(crowd_run(tmp_path))
    assert crowd is not None
    result = check(crowd)
    assert result.ok is True
    assert (result.prequeue, result.positions_seen, result.positions_consistent) == (12, 12, 12)
    assert result.commitment_matches
    assert result.skipped_ahead == 0
    assert result.admitted == ADMITTED


def test_positions_told_in_another_order_fail_the_check(tmp_path: Path) -> None:
    crowd = read_crowd(crowd_run(tmp_path, told=OTHER_SEED))
    assert crowd is not None
    result = check(crowd)
    assert result.ok is False
    assert result.positions_consistent < result.positions_seen
    assert result.skipped_ahead > 0  # the admitted were not the recomputed first places


def test_a_seed_that_is_not_the_committed_one_fails(tmp_path: Path) -> None:
    # the order really is OTHER_SEED's, but the commitment published before was SEED's
    crowd = read_crowd(crowd_run(tmp_path, told=OTHER_SEED, revealed=OTHER_SEED))
    assert crowd is not None
    result = check(crowd)
    assert result.positions_consistent == result.positions_seen
    assert not result.commitment_matches
    assert result.ok is False


def test_an_admission_past_a_user_still_waiting_ahead_is_counted(tmp_path: Path) -> None:
    crowd = read_crowd(crowd_run(tmp_path, skip=True))
    assert crowd is not None
    assert check(crowd).skipped_ahead == 1
    assert check(crowd).ok is False


def test_without_a_revealed_seed_there_is_nothing_to_check(tmp_path: Path) -> None:
    crowd = read_crowd(crowd_run(tmp_path, shuffled=False))
    assert crowd is not None
    assert check(crowd).ok is None


def test_the_figures_come_from_the_points_the_lines_and_the_apps_metrics(tmp_path: Path) -> None:
    run = crowd_run(tmp_path)
    crowd, inputs = read_crowd(run), read_inputs(run)
    assert crowd is not None
    found = figures(crowd, inputs.before, inputs.after)
    assert (found.tokens.peak, found.tokens.total) == (12, 15)
    assert (found.polls.peak, found.polls.mean, found.polls.total) == (15, 15, 120)
    assert found.refused == {429: 1}
    assert found.prequeue == 12
    assert found.outcomes == {"ABANDONED": 1, "PAID": 3, "SOLD_OUT": 11}
    # admitted at +1/+2/+3 s after being told an ETA of 1/2/3 s at +0.2 s
    assert found.eta_client.count == 3
    assert found.eta_client.p50 == pytest.approx(0.9)
    assert (found.eta_server.count, found.eta_server.p50, found.eta_server.p90) == (3, 1.1, 1.5)
    assert found.abandoned_total == 1
    assert found.abandoned_server.mean == pytest.approx(11.5)
    assert found.sold_out_server_s == pytest.approx(4.2)
    assert found.sold_out_seen_s == pytest.approx(8.0)
    last = found.curve[-1]
    assert (last.second, last.arrived, last.admitted, last.waiting) == (8, 15, 3, 11)


@pytest.mark.parametrize(("lang", "verdict"), [("ko", "✅ 공개된 시드로"), ("en", "✅ The order")])
def test_the_report_has_the_crowd_section_and_its_chart(
    tmp_path: Path, lang: str, verdict: str
) -> None:
    run = crowd_run(tmp_path)
    report = generate_report(run, lang, tmp_path / "out")  # type: ignore[arg-type]
    markdown = report.markdown.read_text()
    assert verdict in markdown
    assert "](admission.svg)" in markdown
    assert (tmp_path / "out" / "admission.svg").read_text().startswith("<svg")
    assert report.fair is True
    assert report.passed


def test_an_unfair_shuffle_fails_the_whole_report(tmp_path: Path) -> None:
    report = generate_report(crowd_run(tmp_path, told=OTHER_SEED), "en", tmp_path / "out")
    assert report.fair is False
    assert not report.passed
    assert "❌ What the users saw" in report.markdown.read_text()


def test_a_run_without_a_crowd_has_no_crowd_section() -> None:
    assert read_crowd(FIXTURES / "pass") is None
