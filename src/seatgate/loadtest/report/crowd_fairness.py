"""The fairness check of a flash-crowd run, as any user could make it: recompute the
pre-queue's order from the revealed seed (the waiting room's own `queue.fairness`) and
hold what the crowd saw against it.

- The seed revealed after the shuffle hashes to the commitment published before the
  opening (taken by the runner in the pre-queue, before any token was issued).
- Every position a pre-queue user was told is its recomputed place less those ahead of it
  who had left the line by then: at least those ahead already seen ACTIVE, at most those
  ahead that could have left (admitted after their last WAITING answer, or stopped
  polling). The first answers after the opening come before much has moved, so the bound
  is tight there, and a different order breaks it for nearly every user.
- Nobody was admitted past someone ahead of them who was still in line: no admitted user
  has, ahead of it (by recomputed place; every later arrival is behind the whole
  pre-queue), a never-admitted pre-queue user still polling when it was admitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from seatgate.loadtest.report.crowd_inputs import CrowdInputs, CrowdUser
from seatgate.queue import fairness

# Last answers that do not say the user was still in line (a leaver's last answer did).
_OUT_OF_LINE = frozenset({"ERROR", "EXPIRED"})


@dataclass(frozen=True)
class FairnessCheck:
    algorithm: str
    seed_revealed: bool
    commitment_matches: bool
    prequeue: int  # users whose token was issued before the opening (no position yet)
    positions_seen: int  # of them, told a position after the opening
    positions_consistent: int
    admitted: int  # admitted users of the whole crowd (seen ACTIVE)
    skipped_ahead: int  # admitted past a pre-queue user still in line ahead of them

    @property
    def ok(self) -> bool | None:
        """None: nothing to check (no seed revealed, or no pre-queue)."""
        if not self.seed_revealed or self.prequeue == 0:
            return None
        return (
            self.commitment_matches
            and self.positions_consistent == self.positions_seen
            and self.skipped_ahead == 0
        )


def _places(seed: bytes, prequeue: list[CrowdUser]) -> dict[str, int]:
    order = fairness.shuffled(seed, [user.token for user in prequeue if user.token])
    return {token: index + 1 for index, token in enumerate(order)}


class _Fenwick:
    """Counts of places marked so far, by prefix: how many marked places are below p."""

    def __init__(self, size: int) -> None:
        self.tree = [0] * (size + 1)

    def mark(self, place: int) -> None:
        while place < len(self.tree):
            self.tree[place] += 1
            place += place & -place

    def below(self, place: int) -> int:
        total, place = 0, place - 1
        while place > 0:
            total += self.tree[place]
            place -= place & -place
        return total


def _ahead_by(
    users: list[CrowdUser], places: dict[str, int], at: dict[str, int], *, sent: bool
) -> list[int]:
    """For each user told a position (in `users` order), how many users ahead of it had
    their time in `at` no later than when it asked (`sent`) or when the answer came."""
    marks = sorted((time, places[token]) for token, time in at.items())
    told = sorted(
        (user.seen.sent_ms if sent else user.seen.at_ms, index)
        for index, user in enumerate(users)
        if user.seen is not None
    )
    tree, counts, next_mark = _Fenwick(len(places)), [0] * len(users), 0
    for time, index in told:
        while next_mark < len(marks) and marks[next_mark][0] <= time:
            tree.mark(marks[next_mark][1])
            next_mark += 1
        token = users[index].token or ""
        counts[index] = tree.below(places[token])
    return counts


def _consistent(users: list[CrowdUser], places: dict[str, int]) -> int:
    """Positions within [place − surely gone ahead, place − possibly gone ahead]: surely
    gone = seen ACTIVE by then; possibly = its last WAITING answer was before then, or it
    stopped polling before then (a leaver's token lingers until it idles out, so counting
    it gone early only widens the bound)."""
    surely = {u.token: u.admitted_ms for u in users if u.token and u.admitted_ms is not None}
    possibly = {
        u.token: (u.waited_ms or u.arrived_ms or 0) if u.admitted_ms is not None else u.ended_ms
        for u in users
        if u.token and (u.admitted_ms is not None or u.outcome != "TIMEOUT")
    }
    # The server answered between the request and its answer: gone for sure before the
    # request was sent, possibly gone before the answer came.
    low = _ahead_by(users, places, surely, sent=True)
    high = _ahead_by(users, places, possibly, sent=False)
    consistent = 0
    for index, user in enumerate(users):
        if user.seen is None or user.token is None:
            continue
        offset = places[user.token] - user.seen.position
        consistent += low[index] <= offset <= high[index]
    return consistent


def _skipped(crowd: tuple[CrowdUser, ...], places: dict[str, int]) -> int:
    """Admitted users with a still-waiting, never-admitted pre-queue user ahead of them."""
    waiting_until = [0] * (len(places) + 1)  # by place: when a never-admitted user stopped
    for user in crowd:
        if user.token in places and user.admitted_ms is None and user.outcome not in _OUT_OF_LINE:
            # its last answer, still in line, was decided after this
            waiting_until[places[user.token]] = user.last_sent_ms
    latest_ahead = list(accumulate(waiting_until, max))  # [p]: latest stop among places ≤ p
    skipped = 0
    for user in crowd:
        if user.admitted_ms is None:
            continue
        place = places.get(user.token or "", len(places) + 1)
        if latest_ahead[place - 1] >= user.admitted_ms:
            skipped += 1
    return skipped


def check(crowd: CrowdInputs) -> FairnessCheck:
    before, after = crowd.before or {}, crowd.after or {}
    seed_hex = after.get("seed")
    prequeue = [user for user in crowd.users if user.prequeue]
    admitted = sum(1 for user in crowd.users if user.admitted_ms is not None)
    algorithm = str(after.get("algorithm") or before.get("algorithm") or "-")
    try:
        seed = bytes.fromhex(seed_hex) if isinstance(seed_hex, str) else None
    except ValueError:
        seed = None
    if seed is None:
        return FairnessCheck(algorithm, False, False, len(prequeue), 0, 0, admitted, 0)
    places = _places(seed, prequeue)
    committed = str(before.get("commitment") or "")
    return FairnessCheck(
        algorithm=algorithm,
        seed_revealed=True,
        commitment_matches=committed == fairness.commitment(seed)
        and committed == after.get("commitment"),
        prequeue=len(prequeue),
        positions_seen=sum(1 for user in prequeue if user.seen is not None),
        positions_consistent=_consistent(prequeue, places),
        admitted=admitted,
        skipped_ahead=_skipped(crowd.users, places),
    )
