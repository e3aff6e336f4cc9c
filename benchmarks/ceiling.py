"""What PostgreSQL itself can do, measured with pgbench on the server the API uses:

- the project's hold as the API runs it: `HOLD_SQL` (which draws the reservation id) on
  seatgate's own schema, taken from `reservations.repository` so the two never differ;
- a minimal reference: the same operation (guarded seat update + reservation + outbox
  row in one statement) on three tables with one index each.

Each pgbench client takes distinct free seats of its own range (a counter per client).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import orjson

from seatgate.reservations import repository

CLIENTS = 100
MINIMAL_SEATS = 1_000_000

MINIMAL_SCHEMA = """
DROP SCHEMA IF EXISTS ceiling_min CASCADE;
CREATE SCHEMA ceiling_min;
CREATE TABLE ceiling_min.seats (
    id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'AVAILABLE',
    reservation_id bigint, price bigint NOT NULL);
CREATE TABLE ceiling_min.reservations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, seat_id bigint NOT NULL,
    user_id bigint NOT NULL, price bigint NOT NULL, status text NOT NULL,
    expires_at timestamptz NOT NULL);
CREATE TABLE ceiling_min.outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key text NOT NULL,
    envelope jsonb NOT NULL);
INSERT INTO ceiling_min.seats (id, price) SELECT n, 90000 FROM generate_series(1, {seats}) n;
"""

MINIMAL_SCRIPT = """\\set n :n + 1
\\set seat :client_id * {stride} + :n
WITH held AS (
  UPDATE ceiling_min.seats SET status = 'HELD', reservation_id = :seat::bigint
  WHERE id = :seat::bigint AND status = 'AVAILABLE' RETURNING id, price
), r AS (
  INSERT INTO ceiling_min.reservations (seat_id, user_id, price, status, expires_at)
  SELECT id, 1, price, 'HELD', now() + interval '5 minutes' FROM held RETURNING id, seat_id
)
INSERT INTO ceiling_min.outbox (key, envelope)
SELECT 'seat:' || seat_id, {envelope}::jsonb || jsonb_build_object('reservation_id', id)
FROM r;
"""


@dataclass(frozen=True)
class Ceiling:
    rate: float
    p50_ms: float | None
    failed: int


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def project_script(
    *,
    first_seat: int,
    seats_per_schedule: int,
    first_schedule: int,
    concert_id: int,
    user_id: int,
    stride: int,
    envelope: str,
) -> str:
    """HOLD_SQL with pgbench variables for its parameters."""
    params = {
        1: ":seat::bigint",
        2: ":schedule::bigint",
        3: f"({user_id} + :client_id)::bigint",  # a user per client: their own ticket count
        4: f"{concert_id}::bigint",
        5: "3600::float8",
        6: "ARRAY[gen_random_uuid()]",
        7: "ARRAY['seatgate.reservations.v1']",
        8: "ARRAY['seat:']",
        9: "ARRAY['seat_id']",
        10: "ARRAY['SeatHeld']",
        11: f"ARRAY[{_literal(envelope)}::jsonb]",
        12: "1000000000",  # the ticket limit: one pgbench client holds thousands of seats
    }
    hold = re.sub(r"\$(\d+)(::\w+(\[\])?)?", lambda m: params[int(m.group(1))], repository.HOLD_SQL)
    lines = [
        "\\set n :n + 1",
        f"\\set seat {first_seat} + :client_id * {stride} + :n",
        f"\\set schedule {first_schedule} + (:seat - {first_seat}) / {seats_per_schedule}",
        " ".join(hold.split()) + ";",
    ]
    return "\n".join(lines) + "\n"


def pgbench(database_url: str, script: str, *, seconds: float, workdir: Path) -> Ceiling:
    path = workdir / "pgbench.sql"
    path.write_text(script)
    done = subprocess.run(
        [
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(CLIENTS),
            "-j",
            "2",
            "-T",
            f"{seconds:g}",
            "-D",
            "n=0",
            "-f",
            str(path),
            database_url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    out = done.stdout + done.stderr
    tps = re.search(r"tps = ([\d.]+)", out)
    if done.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed: {out[-800:]}")
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return Ceiling(
        float(tps.group(1)),
        float(latency.group(1)) if latency else None,
        int(failed.group(1)) if failed else 0,
    )


def envelope_json() -> str:
    """A SeatHeld envelope of the size the API writes (the statement fills the rest)."""
    return orjson.dumps(
        {
            "event_id": "00000000-0000-0000-0000-000000000000",
            "type": "SeatHeld",
            "occurred_at": "2030-01-01T00:00:00Z",
            "aggregate_id": "1",
            "version": 1,
            "data": {
                "reservation_id": 1,
                "user_id": 1,
                "seat_id": 1,
                "schedule_id": 1,
                "concert_id": 1,
            },
        }
    ).decode()
