"""`seatgate doctor`: every check in one table, ✅/❌ with the fix; exit 1 on any ❌."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

from seatgate.commands import Commands, add_command
from seatgate.doctor.checks import Row, load_for_doctor, run_checks
from seatgate.embedded.state import discovered_settings


def register(commands: Commands) -> None:
    sub = add_command(
        commands,
        "doctor",
        cmd_doctor,
        "Check settings, dependencies (with latency), pool size, Kafka topics, Prometheus "
        "targets and the load-test target; print a table, exit 1 on any ❌.",
    )
    sub.add_argument("--workers", type=int, help="API workers planned (default: settings)")
    sub.add_argument(
        "--in-flight",
        type=int,
        default=10,
        help="DB transactions in flight per API worker at peak (default 10)",
    )
    sub.add_argument("--prometheus", metavar="URL", help="Prometheus whose targets must be up")
    sub.add_argument("--target", metavar="URL", help="the base URL the load test will call")
    sub.add_argument(
        "--from-container",
        action="store_true",
        help="k6 runs in a container: a localhost --target is refused",
    )


def print_table(rows: list[Row], out: TextIO) -> None:
    width = max(len(row.check) for row in rows)
    for row in rows:
        print(f"{'✅' if row.ok else '❌'} {row.check.ljust(width)}  {row.detail}", file=out)
        if not row.ok and row.fix:
            print(f"   {' ' * width}  fix: {row.fix}", file=out)


def cmd_doctor(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}  # settings as `load_settings` takes them
    if args.profile:
        overrides["profile"] = args.profile
    if args.workers:
        overrides["http_workers"] = args.workers
    settings, rows, replaced = load_for_doctor(overrides)
    if settings is not None:
        settings = discovered_settings(settings)
    rows += asyncio.run(
        run_checks(
            settings,
            replaced,
            in_flight=args.in_flight,
            prometheus=args.prometheus,
            target=args.target,
            from_container=args.from_container,
        )
    )
    print_table(rows, sys.stdout)
    failed = sum(not row.ok for row in rows)
    print(f"\n{len(rows) - failed} ✅  {failed} ❌", file=sys.stdout)
    return 1 if failed else 0
