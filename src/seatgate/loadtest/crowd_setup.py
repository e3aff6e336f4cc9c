"""Before and after a flash-crowd run: a concert of its own whose sale opens shortly, the
crowd's users (through the API, like any client), the crowd file k6 reads, and the
waiting room's fairness record before the opening and after the shuffle."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from seatgate.loadtest.crowd import CrowdProfile, arrivals
from seatgate.loadtest.report.crowd_inputs import FAIRNESS_AFTER, FAIRNESS_BEFORE

CROWD_FILE = "crowd.json"
USER_BALANCE = 100_000_000
CREATE_CONCURRENCY = 16
# k6 needs a few seconds to start and parse the crowd before the first user arrives.
START_MARGIN_SECONDS = 5.0
_DEMO_TITLE = re.compile(r"seatgate demo concert (\d+)")
# Sets a concert's sale_opens_at (the waiting room's own command, wired by the runner).
Opener = Callable[[int, datetime], None]


class CrowdRefused(Exception):
    """The crowd cannot be prepared; the message names the cause and the fix."""


@dataclass(frozen=True)
class CrowdRun:
    concert_id: int
    schedule_ids: tuple[int, ...]
    seats: int
    users: int
    opens_at_ms: int
    prepared_seconds: float
    window_seconds: float

    def k6_env(self, run_dir: Path) -> dict[str, str]:
        return {
            "CROWD_FILE": str((run_dir / CROWD_FILE).resolve()),
            "CONCERT_ID": str(self.concert_id),
            "SCHEDULE_IDS": ",".join(map(str, self.schedule_ids)),
            "OPENS_AT_MS": str(self.opens_at_ms),
        }

    def meta(self) -> dict[str, Any]:
        return asdict(self)


def _demo_concerts(target: str) -> int:
    """The highest N of `seatgate demo concert N` the target lists (its catalog pages)."""
    highest, after = 0, 0
    with httpx.Client(base_url=target, timeout=10) as client:
        while True:
            page = client.get("/api/v1/concerts", params={"after": after}).json()
            if not isinstance(page, list) or not page:
                return highest
            for concert in page:
                found = _DEMO_TITLE.fullmatch(str(concert.get("title", "")))
                highest = max(highest, int(found[1])) if found else highest
            after = int(page[-1]["concert_id"])


def fresh_concert(target: str, seats: int) -> tuple[int, tuple[int, ...]]:
    """A new demo concert with one schedule of `seats` seats: no token, hold or sale of an
    earlier run in it. (Seeding tops earlier demo concerts' first schedules up to `seats`
    too, if they had fewer: the seed's natural keys work that way.)"""
    from seatgate.catalog.service import seed_now
    from seatgate.settings import load_settings

    number = _demo_concerts(target) + 1
    result, _ = seed_now(load_settings(), number, 1, seats)
    concert_id = max(s.concert_id for s in result.schedules)
    schedules = tuple(s.schedule_id for s in result.schedules if s.concert_id == concert_id)
    return concert_id, schedules


async def _create_users(count: int) -> list[str]:
    """The crowd's users through the users service (what `seatgate users create` and
    POST /api/v1/dev/users run), on a pool of its own: over HTTP 500 took ~4 s here (20,000
    would take minutes); this way 20,000 took 6.6 s, and the run measures the opening, not
    the sign-ups."""
    from seatgate.db.pool import create_pool
    from seatgate.settings import load_settings
    from seatgate.users.service import create_user

    settings = load_settings()
    pool = await create_pool(settings, min_size=1, max_size=CREATE_CONCURRENCY)
    tokens: list[str] = []

    async def worker(quota: int) -> None:
        for _ in range(quota):
            user = await create_user(pool, settings, balance=USER_BALANCE, name="flash-crowd")
            tokens.append(f"Bearer {user.token}")

    shares = [count // CREATE_CONCURRENCY] * CREATE_CONCURRENCY
    shares[0] += count % CREATE_CONCURRENCY
    try:
        await asyncio.gather(*(worker(share) for share in shares))
    finally:
        await pool.close()
    return tokens


def open_sale(concert_id: int, opens_at: datetime) -> None:
    """Schedules the sale through the waiting room's own command (`seatgate sale open`):
    the seed is drawn and its commitment published from now on."""
    from seatgate.queue.sale import schedule_sale_now
    from seatgate.settings import load_settings

    schedule_sale_now(load_settings(), concert_id, opens_at)


def fairness(target: str, concert_id: int) -> dict[str, Any] | None:
    try:
        answer = httpx.get(f"{target}/api/v1/concerts/{concert_id}/queue/fairness", timeout=10)
        body = answer.json()
    except (httpx.HTTPError, ValueError):
        return None
    return body if answer.status_code == 200 and isinstance(body, dict) else None


def _save(path: Path, body: dict[str, Any] | None) -> None:
    if body is not None:
        path.write_text(json.dumps(body, indent=1) + "\n")


def prepare(
    target: str, run_dir: Path, profile: CrowdProfile, seats: int, schedule_opening: Opener
) -> CrowdRun:
    """Users first (the slow part), then the concert and its opening, timed from now."""
    if not os.environ.get("SEATGATE_DATABASE_URL"):
        raise CrowdRefused(
            "flash-crowd makes its users and a concert of its own in the database; fix: run "
            "it next to `seatgate dev` (found automatically) or set SEATGATE_DATABASE_URL"
        )
    started = time.perf_counter()
    users = asyncio.run(_create_users(profile.users))
    concert_id, schedule_ids = fresh_concert(target, seats)
    lead = profile.prequeue_seconds + START_MARGIN_SECONDS
    opens_at = datetime.now(UTC) + timedelta(seconds=lead)
    schedule_opening(concert_id, opens_at)
    crowd = [
        [user, arrival.offset_ms, arrival.leaves_after_ms]
        for user, arrival in zip(users, arrivals(profile), strict=True)
    ]
    (run_dir / CROWD_FILE).write_text(json.dumps(crowd))
    _save(run_dir / FAIRNESS_BEFORE, fairness(target, concert_id))
    return CrowdRun(
        concert_id=concert_id,
        schedule_ids=schedule_ids,
        seats=seats,
        users=profile.users,
        opens_at_ms=int(opens_at.timestamp() * 1000),
        prepared_seconds=round(time.perf_counter() - started, 1),
        window_seconds=profile.window_seconds,
    )


def after_run(target: str, run_dir: Path, crowd: CrowdRun) -> None:
    """The revealed seed; the crowd file goes (it holds the users' bearer tokens)."""
    _save(run_dir / FAIRNESS_AFTER, fairness(target, crowd.concert_id))
    (run_dir / CROWD_FILE).unlink(missing_ok=True)
