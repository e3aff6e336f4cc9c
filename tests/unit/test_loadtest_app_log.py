"""`seatgate loadtest --app-log`: the target's error lines reach the run directory."""

from __future__ import annotations

import json
from pathlib import Path

from seatgate.loadtest.report.inputs import APP_LOG, read_inputs
from seatgate.loadtest.runner import _copy_app_errors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "loadtest"


def test_every_line_the_report_counts_as_an_error_is_copied(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    lines = [
        {"level": "info", "msg": "request", "status": 200},
        {"level": "error", "msg": "unhandled error", "code": "INTERNAL_ERROR"},
        {"level": "critical", "msg": "pool lost"},
    ]
    spaced = json.dumps({"level": "error", "msg": "from a formatter with spaces"})
    log.write_text("\n".join([*(json.dumps(line, separators=(",", ":")) for line in lines),
                              spaced, "not json"]) + "\n")  # fmt: skip
    run_dir = tmp_path / "run"
    for name in ("summary.json", "run.json"):
        (run_dir / name).parent.mkdir(exist_ok=True)
        (run_dir / name).write_text((FIXTURES / "pass" / name).read_text())

    _copy_app_errors(log, run_dir / APP_LOG)

    messages = {entry["msg"] for entry in read_inputs(run_dir).app_errors}
    assert messages == {"unhandled error", "pool lost", "from a formatter with spaces"}
