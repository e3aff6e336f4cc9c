"""`seatgate loadtest`: run a k6 scenario against a target and write its report."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from seatgate.commands import Commands, add_command, command_settings
from seatgate.loadtest.crowd import CrowdProfile
from seatgate.loadtest.runner import RunPlan, RunRefused, run
from seatgate.loadtest.scenarios import SCENARIOS, Scenario, valid_duration
from seatgate.startup import fail

MAX_VUS = 5000
MAX_CROWD = 200_000
MAX_CROWD_SEATS = 100_000
MAX_WINDOW_SECONDS = 3600


def register(commands: Commands) -> None:
    sub = add_command(
        commands,
        "loadtest",
        cmd_loadtest,
        "Run a k6 scenario (doctor and /readyz first, seeding if needed) and write "
        "reports/<time>/report.md + report.html; exit 1 when a threshold fails.",
    )
    sub.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    sub.add_argument("--target", help="API base URL (default http://127.0.0.1:SEATGATE_HTTP_PORT)")
    sub.add_argument("--duration", help="e.g. 20s, 5m (default: the scenario's)")
    sub.add_argument("--vus", type=int, help="virtual users (default: the scenario's)")
    sub.add_argument(
        "--crowd", type=int, help="flash-crowd: users arriving around the opening (default 4000)"
    )
    sub.add_argument("--seats", type=int, help="flash-crowd: seats on sale (default 200)")
    sub.add_argument(
        "--window",
        type=float,
        default=60.0,
        help="flash-crowd: seconds around the opening the crowd arrives in (default 60; "
        "a third before it)",
    )
    sub.add_argument("--lang", choices=("ko", "en"), default="ko", help="report language")
    sub.add_argument("--out", default="reports", help="where run directories go (default reports/)")
    sub.add_argument("--app-log", type=Path, help="the target's JSON log, to quote its errors")
    sub.add_argument("--no-doctor", action="store_true", help="skip `seatgate doctor`")
    sub.add_argument("--dashboard-port", type=int, default=0, help="k6 web dashboard port")
    sub.add_argument(
        "--prometheus",
        metavar="URL",
        help="stream k6's metrics here while it runs (remote write; default "
        "SEATGATE_PROMETHEUS_URL; `make monitor` starts one)",
    )
    sub.add_argument(
        "--grafana", metavar="URL", help="Grafana the report links (default SEATGATE_GRAFANA_URL)"
    )


def default_duration(scenario: Scenario, window_seconds: float) -> str:
    """A crowd's run covers its lead-in, the window, the last leavers' patience and the
    app's idle window (60 s) after it, so the leavers are counted: 170 s for 60 s."""
    if not scenario.crowd:
        return scenario.duration
    return f"{math.ceil(window_seconds * 4 / 3 + 90)}s"


def cmd_loadtest(args: argparse.Namespace) -> int:
    settings = command_settings(args, find_dev_stack=True)
    scenario = SCENARIOS[args.scenario]
    duration = args.duration or default_duration(scenario, args.window)
    if not valid_duration(duration):
        fail(f"--duration={duration} is not a duration; fix: pass e.g. 20s, 5m or 1h")
    vus = args.vus or scenario.vus
    if not 1 <= vus <= MAX_VUS:
        fail(f"--vus={vus} is out of range; fix: pass 1..{MAX_VUS}")
    users = args.crowd if args.crowd is not None else CrowdProfile.users
    if not 1 <= users <= MAX_CROWD:
        fail(f"--crowd={users} is out of range; fix: pass 1..{MAX_CROWD}")
    if not 3 <= args.window <= MAX_WINDOW_SECONDS:
        fail(f"--window={args.window} is out of range; fix: pass 3..{MAX_WINDOW_SECONDS}")
    crowd = CrowdProfile.around(users, args.window)
    seats = args.seats if args.seats is not None else RunPlan.crowd_seats
    if not 1 <= seats <= MAX_CROWD_SEATS:
        fail(f"--seats={seats} is out of range; fix: pass 1..{MAX_CROWD_SEATS}")
    target = (args.target or f"http://127.0.0.1:{settings.http_port}").rstrip("/")
    if not target.startswith(("http://", "https://")):
        fail(f"--target={target} is not an http(s) URL; fix: pass e.g. http://127.0.0.1:8000")
    for flag in ("prometheus", "grafana"):
        value = getattr(args, flag)
        if value is not None and not value.startswith(("http://", "https://")):
            fail(f"--{flag}={value} is not an http(s) URL; fix: pass e.g. http://127.0.0.1:9090")
    plan = RunPlan(
        scenario=scenario,
        target=target,
        vus=vus,
        duration=duration,
        lang=args.lang,
        out_root=Path(args.out),
        app_log=args.app_log,
        run_doctor=not args.no_doctor,
        dashboard_port=args.dashboard_port,
        prometheus=args.prometheus or settings.prometheus_url,
        grafana=args.grafana or settings.grafana_url,
        crowd=crowd,
        crowd_seats=seats,
    )
    try:
        report = run(plan)
    except RunRefused as refused:
        fail(str(refused))
    for verdict in report.verdicts:
        if verdict.ok is not None:
            print(f"{'✅' if verdict.ok else '❌'} {verdict.key}", file=sys.stderr)
    print(f"report: {report.markdown}\nreport: {report.html}")
    return 0 if report.passed else 1
