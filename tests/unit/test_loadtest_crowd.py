"""The flash-crowd scenario's definition: who arrives when, and the k6 script's options
as k6 itself reads them (`k6 inspect`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from seatgate.loadtest.cli import default_duration
from seatgate.loadtest.crowd import CrowdProfile, arrivals, share_between
from seatgate.loadtest.runner import locate_k6
from seatgate.loadtest.scenarios import SCENARIOS, scripts_dir, seconds


def test_most_of_the_crowd_arrives_in_the_first_seconds_after_the_opening() -> None:
    profile = CrowdProfile(users=20_000)
    crowd = arrivals(profile)
    assert len(crowd) == 20_000
    assert share_between(crowd, 0, profile.spike_seconds) > 0.45
    assert 0.27 < share_between(crowd, -profile.prequeue_seconds, 0) < 0.33
    # the minute around the opening, and nobody outside it
    assert share_between(crowd, -profile.prequeue_seconds, profile.tail_seconds) == 1
    assert profile.window_seconds == 60
    # within the spike, the first second is the busiest
    assert share_between(crowd, 0, 1) > share_between(crowd, 4, 5)


def test_a_few_leave_while_waiting_and_the_crowd_is_the_same_every_run() -> None:
    crowd = arrivals(CrowdProfile(users=5000))
    leavers = [a.leaves_after_ms for a in crowd if a.leaves_after_ms >= 0]
    assert 0.03 < len(leavers) / len(crowd) < 0.07
    assert all(5000 <= after <= 20000 for after in leavers)
    assert crowd == arrivals(CrowdProfile(users=5000))


def test_the_flash_crowd_scenario_prepares_its_own_crowd() -> None:
    scenario = SCENARIOS["flash-crowd"]
    assert scenario.crowd
    # users are made before the run, so sign-ups are not part of what it measures
    assert "user" not in scenario.exercises


def test_k6_reads_a_bounded_number_of_carriers_and_the_reports_thresholds(tmp_path: Path) -> None:
    crowd = tmp_path / "crowd.json"
    crowd.write_text(json.dumps([["Bearer a", -1000, -1], ["Bearer b", 300, 5000]]))
    done = subprocess.run(
        [
            locate_k6(), "inspect", "-e", f"CROWD_FILE={crowd}", "-e", "VUS=7",
            "-e", "DURATION=90s", str(scripts_dir() / "flash-crowd.js"),
        ],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "K6_NO_USAGE_REPORT": "true"},
    )  # fmt: skip
    options = json.loads(done.stdout)
    (scenario,) = options["scenarios"].values()
    assert scenario["executor"] == "per-vu-iterations"
    assert (scenario["vus"], scenario["iterations"], scenario["maxDuration"]) == (7, 1, "1m30s")
    assert options["batchPerHost"] == options["batch"]
    assert set(options["thresholds"]) == {
        "http_req_duration", "http_req_failed", "reservation_success", "token_success",
    }  # fmt: skip


def test_a_crowd_runs_long_enough_for_its_last_leavers_to_idle_out() -> None:
    scenario = SCENARIOS["flash-crowd"]
    assert default_duration(scenario, 60) == scenario.duration == "170s"
    profile = CrowdProfile.around(1000, 240)
    last_leaver_s = profile.prequeue_seconds + profile.tail_seconds + profile.leave_after_seconds[1]
    idle_window_s = 60
    assert seconds(default_duration(scenario, 240)) > last_leaver_s + idle_window_s
    assert default_duration(SCENARIOS["smoke"], 240) == "20s"
