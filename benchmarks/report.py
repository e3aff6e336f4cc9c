"""The table `make bench` prints and writes to docs/benchmarks.md, with its ratios."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.ceiling import CLIENTS, Ceiling
from benchmarks.wrk_run import CONNECTIONS, THREADS, WrkResult
from seatgate.settings import Settings


@dataclass(frozen=True)
class Row:
    label: str
    result: WrkResult
    cpu_ms: float

    @classmethod
    def of(cls, label: str, result: WrkResult, *, cpu_ms: float) -> Row:
        return cls(label, result, cpu_ms)

    def line(self) -> str:
        r = self.result
        return (
            f"{self.label}: {r.rate:,.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
            f"{self.cpu_ms:.2f} API CPU ms/req, {r.failed} failed"
        )


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    baseline: Row | None = None
    minimal: Ceiling | None = None
    project: Ceiling | None = None

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def ratio(self, row: Row) -> str:
        if row.label.startswith("POST hold") and self.minimal is not None:
            return f"{row.result.rate / self.minimal.rate:.2f}× minimal-schema ceiling"
        if self.baseline is None or row is self.baseline:
            return "–"
        return f"{row.result.rate / self.baseline.result.rate:.2f}× /healthz"

    def render(self) -> str:
        lines = [
            "| what | requests/s | p50 | p99 | API CPU per request | failed | ratio |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for row in self.rows:
            r = row.result
            lines.append(
                f"| {row.label} | {r.rate:,.0f} | {r.p50_ms:.1f} ms | {r.p99_ms:.1f} ms "
                f"| {row.cpu_ms:.2f} ms | {r.failed} | {self.ratio(row)} |"
            )
        if self.minimal is not None and self.project is not None:
            lines += [
                f"| pgbench, minimal schema (one statement, {CLIENTS} clients) "
                f"| {self.minimal.rate:,.0f} | | | | {self.minimal.failed} | 1.00× |",
                f"| pgbench, seatgate's hold (HOLD_SQL, {CLIENTS} clients) "
                f"| {self.project.rate:,.0f} | | | | {self.project.failed} "
                f"| {self.project.rate / self.minimal.rate:.2f}× minimal |",
            ]
        lines += ["", *self.flatness()]
        return "\n".join(lines)

    def flatness(self) -> list[str]:
        notes = []
        for prefix in ("poll", "POST hold", "seat map, 5,000"):
            costs = [row.cpu_ms for row in self.rows if row.label.startswith(prefix)]
            if len(costs) > 1:
                notes.append(
                    f"- {prefix}: API CPU per request largest/smallest across data sizes "
                    f"{max(costs) / min(costs):.2f}×"
                )
        return notes


def machine(settings: Settings, workers: int | None) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    server = subprocess.run(
        ["psql", str(settings.database_url), "-Atc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} × {cpu}, {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL {server}; "
        f"API: `seatgate serve` with {workers or 'its default'} workers "
        f"(scheduler in its own process); wrk -t{THREADS} -c{CONNECTIONS}"
    )


def write_report(out: Path, table: Table, described: str, *, quick: bool, seconds: float) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick (BENCH_QUICK=1)" if quick else "full"
    out.write_text(
        "# Benchmarks\n\n"
        "Written by `make bench` (`benchmarks/run.py`); read it by its ratios: the machine is\n"
        "shared, and each ratio compares two figures measured on the same servers in the same\n"
        "run. Throughput is wrk's (Lua scripts over prepared users, ACTIVE queue tokens and\n"
        "distinct seats); the ceiling is pgbench's on the same PostgreSQL. API CPU per\n"
        "request is the user + system CPU of the API's processes during the row, divided by\n"
        "its requests.\n\n"
        f"Run: {when}, {mode}, {seconds:g} s per row.\n\n"
        f"Machine: {described}.\n\n"
        f"{table.render()}\n"
    )
