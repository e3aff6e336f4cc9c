"""What a flash-crowd run leaves beside the usual inputs: one line per user from k6
(`{"crowd": outcome, …}` on its console), the fairness record before the opening and
after the shuffle, and the answers per second of the two waiting-room endpoints."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seatgate.loadtest.report.inputs import FAILURES, META, POINTS, console_message

FAIRNESS_BEFORE = "fairness-before.json"
FAIRNESS_AFTER = "fairness.json"
ISSUE_ROUTE = "POST /api/v1/queue/tokens"
POLL_ROUTE = "GET /api/v1/queue/tokens/current"


@dataclass(frozen=True)
class Seen:
    position: int
    eta_seconds: float
    at_ms: int  # when the answer came
    sent_ms: int  # when it was asked for: the server answered in between


@dataclass(frozen=True)
class CrowdUser:
    outcome: str  # PAID | SOLD_OUT | NO_SEAT | ABANDONED | EXPIRED | TIMEOUT | NOT_ARRIVED | ERROR
    token: str | None
    arrived_ms: int | None
    prequeue: bool
    seen: Seen | None  # the first answer that carried a position
    admitted_ms: int | None
    waited_ms: int | None  # when its last WAITING answer was asked for: admitted after this
    ended_ms: int
    last_sent_ms: int  # its last answer was decided between this and ended_ms
    sold_out_ms: int | None  # its first SOLD_OUT answer
    rate_limited: int


@dataclass(frozen=True)
class CrowdInputs:
    meta: dict[str, Any]  # run.json's "crowd": concert_id, seats, users, opens_at_ms, …
    users: tuple[CrowdUser, ...]
    before: dict[str, Any] | None  # the fairness answer in the pre-queue
    after: dict[str, Any] | None  # and after the shuffle
    answers: dict[tuple[str, int], Counter[int]]  # (route, status) -> seconds -> answers

    @property
    def opens_at_ms(self) -> int:
        return int(self.meta["opens_at_ms"])


def _user(data: dict[str, Any]) -> CrowdUser:
    seen = data.get("seen")
    return CrowdUser(
        outcome=str(data["crowd"]),
        token=data.get("token"),
        arrived_ms=data.get("arrived"),
        prequeue=bool(data.get("prequeue")),
        seen=Seen(
            int(seen["position"]),
            float(seen.get("eta") or 0),
            int(seen["at"]),
            int(seen.get("sent") or seen["at"]),
        )
        if isinstance(seen, dict)
        else None,
        admitted_ms=data.get("admitted"),
        waited_ms=data.get("waited"),
        ended_ms=int(data.get("ended") or 0),
        last_sent_ms=int(data.get("last_sent") or data.get("ended") or 0),
        sold_out_ms=data.get("sold_out"),
        rate_limited=int(data.get("limited") or 0),
    )


def _users(path: Path) -> tuple[CrowdUser, ...]:
    found = []
    for line in path.read_text(errors="replace").splitlines():
        message = console_message(line)
        if not message or not message.startswith('{"crowd"'):
            continue
        try:
            found.append(_user(json.loads(message)))
        except (ValueError, KeyError, TypeError):
            continue
    return tuple(found)


def _open(path: Path) -> IO[str]:
    return gzip.open(path, "rt", newline="") if path.suffix == ".gz" else path.open(newline="")


def _answers(path: Path) -> dict[tuple[str, int], Counter[int]]:
    """Answers per second (epoch) of the token and poll routes, by status."""
    found: dict[tuple[str, int], Counter[int]] = {}
    with _open(path) as stream:
        for row in csv.DictReader(stream):
            if row["metric_name"] == "http_reqs" and row["name"] in (ISSUE_ROUTE, POLL_ROUTE):
                key = (row["name"], int(row["status"] or 0))
                found.setdefault(key, Counter())[int(row["timestamp"])] += 1
    return found


def _json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    body = json.loads(path.read_text())
    return body if isinstance(body, dict) else None


def read_crowd(run_dir: Path) -> CrowdInputs | None:
    """None for a run that was not a crowd (its run.json has no "crowd")."""
    meta = _json(run_dir / META) or {}
    if not isinstance(meta.get("crowd"), dict):
        return None
    points = next((run_dir / name for name in POINTS if (run_dir / name).exists()), None)
    console = run_dir / FAILURES
    return CrowdInputs(
        meta=meta["crowd"],
        users=_users(console) if console.exists() else (),
        before=_json(run_dir / FAIRNESS_BEFORE),
        after=_json(run_dir / FAIRNESS_AFTER),
        answers=_answers(points) if points else {},
    )
