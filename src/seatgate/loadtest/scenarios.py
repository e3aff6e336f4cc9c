"""The k6 scenarios `seatgate loadtest` knows, with their defaults and needs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from seatgate.loadtest.report.inputs import ALL_ENDPOINTS

# Long enough for the k6 web dashboard to have something to export (period 1 s).
DASHBOARD_MIN_SECONDS = 30
_DURATION = re.compile(r"^(\d+)(s|m|h)$")


@dataclass(frozen=True)
class Scenario:
    name: str
    vus: int
    duration: str
    seconds_per_flow: float  # one user's journey with its think time: sizes the seat need
    exercises: tuple[str, ...] = ALL_ENDPOINTS
    crowd: bool = False  # prepares a concert, its opening and a crowd of users of its own

    def seats_needed(self, vus: int, duration: str) -> int:
        if "reservation" not in self.exercises:
            return 1
        return max(10, math.ceil(vus * seconds(duration) / self.seconds_per_flow * 1.5))


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("smoke", vus=3, duration="20s", seconds_per_flow=2.0),
        Scenario("seed", vus=100, duration="5m", seconds_per_flow=5.0),
        Scenario("stress", vus=50, duration="2m", seconds_per_flow=1.0),
        Scenario("contention", vus=50, duration="30s", seconds_per_flow=1e9),
        Scenario(
            "queue-burst",
            vus=100,
            duration="15s",
            seconds_per_flow=1e9,
            exercises=("user", "token", "poll"),
        ),
        # vus: k6 carriers, each driving many users of the crowd (crowd.py, flash-crowd.js)
        Scenario(
            "flash-crowd",
            vus=32,
            duration="170s",
            seconds_per_flow=1e9,
            exercises=("token", "poll", "seats", "reservation", "payment"),
            crowd=True,
        ),
    )
}


def seconds(duration: str) -> int:
    match = _DURATION.match(duration)
    if match is None:
        raise ValueError(duration)
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]


def valid_duration(duration: str) -> bool:
    return _DURATION.match(duration) is not None and seconds(duration) > 0


def scripts_dir() -> Path:
    """loadtest/k6 of the source tree (seatgate is installed editable from it)."""
    for root in (Path(__file__).resolve().parents[3], Path.cwd()):
        candidate = root / "loadtest" / "k6"
        if (candidate / "lib" / "flow.js").exists():
            return candidate
    raise FileNotFoundError("loadtest/k6")
