"""The flash crowd: who arrives when around a scheduled opening, and who gives up.

Pure: `arrivals` draws the crowd from a seeded generator, so a run is reproducible and a
test can check the shape (most users in the first seconds after the opening).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class CrowdProfile:
    """The minute around the opening: a pre-queue before it, a spike, a tail."""

    # What `make run` on this 2-core machine answers on the profile's schedule (k6 3 ms
    # behind its plan); `--crowd 20000`, the crowd, saturates the cores and the
    # spike stretches over ~35 s (docs/reports/2026-11-25-flash-crowd/README.md).
    users: int = 4_000
    prequeue_seconds: float = 20.0  # the first users arrive this long before the opening
    prequeue_share: float = 0.30
    spike_seconds: float = 5.0  # "most in its first seconds"
    spike_share: float = 0.50
    tail_seconds: float = 40.0  # the rest arrive until the opening + this
    leaver_share: float = 0.05  # close the tab while waiting (no DELETE)
    leave_after_seconds: tuple[float, float] = (5.0, 20.0)
    seed: int = 20

    @property
    def window_seconds(self) -> float:
        return self.prequeue_seconds + self.tail_seconds

    @classmethod
    def around(cls, users: int, window_seconds: float) -> CrowdProfile:
        """The default shape stretched to `window_seconds` (60: the minute around the
        opening; a test's few seconds keep the same proportions)."""
        scale = window_seconds / cls().window_seconds
        return cls(
            users=users,
            prequeue_seconds=cls.prequeue_seconds * scale,
            spike_seconds=cls.spike_seconds * scale,
            tail_seconds=cls.tail_seconds * scale,
            leave_after_seconds=(5.0 * scale, 20.0 * scale),
        )


@dataclass(frozen=True)
class Arrival:
    offset_ms: int  # from the opening; negative: in the pre-queue
    leaves_after_ms: int  # -1: stays until admitted, sold out or the run ends


def _offset_seconds(profile: CrowdProfile, draw: random.Random) -> float:
    part = draw.random()
    if part < profile.prequeue_share:
        return -profile.prequeue_seconds * draw.random()
    if part < profile.prequeue_share + profile.spike_share:
        # exponential decay from the opening minute's first second, cut at the spike's end
        return min(draw.expovariate(3.0 / profile.spike_seconds), profile.spike_seconds * 0.999)
    return draw.uniform(profile.spike_seconds, profile.tail_seconds)


def arrivals(profile: CrowdProfile) -> list[Arrival]:
    """One arrival per user, in user order (the k6 carriers take every n-th user)."""
    draw = random.Random(profile.seed)
    crowd = []
    for _ in range(profile.users):
        offset = _offset_seconds(profile, draw)
        leaves = draw.random() < profile.leaver_share
        after = draw.uniform(*profile.leave_after_seconds) if leaves else None
        crowd.append(Arrival(round(offset * 1000), -1 if after is None else round(after * 1000)))
    return crowd


def share_between(crowd: list[Arrival], start_s: float, end_s: float) -> float:
    """Fraction of the crowd arriving in [start, end) seconds from the opening."""
    inside = sum(1 for a in crowd if start_s * 1000 <= a.offset_ms < end_s * 1000)
    return inside / len(crowd) if crowd else 0.0
