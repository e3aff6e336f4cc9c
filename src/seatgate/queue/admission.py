"""The scheduler's side of the waiting room: admit the head of each line, expire the rest.

Each tick reads a concert's state, decides, and hands the decision to one Lua script
that re-checks it atomically: a candidate that left meanwhile is skipped, and a tick
whose admission clock was moved by another admitter changes nothing, so even two
admitters without the leader lock could not double the rate.
"""

from __future__ import annotations

from seatgate.messaging.envelope import Occurrence
from seatgate.observability.metrics import queue_active, queue_admitted_total, queue_waiting
from seatgate.queue.domain import (
    AdmissionState,
    admission_allowance,
    admission_budget,
    burst_cap,
    from_ms,
    rate_weight,
)
from seatgate.queue.events import QueueTokenAdmitted
from seatgate.queue.replies import Candidate, Tick
from seatgate.queue.service import expire_tokens, now_ms
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources

EXPIRY_BATCH = 500


async def admit(resources: Resources, *, now: float | None = None) -> int:
    """One admission tick over every concert with a queue; returns how many were admitted."""
    at_ms = now_ms(now)
    admitted = 0
    for concert_id in await QueueStore(resources).concert_ids():
        admitted += await admit_concert(resources, concert_id, now_ms=at_ms)
    return admitted


async def admit_concert(resources: Resources, concert_id: int, *, now_ms: int) -> int:
    settings = resources.settings
    store = QueueStore(resources)
    seen = await store.admission(concert_id)
    state = AdmissionState(last_ms=seen.last_ms, carry=seen.carry)
    rate = settings.admission_rate_per_second
    allowance = admission_allowance(state, now_ms=now_ms, rate_per_second=rate)
    budget = admission_budget(
        allowance, active=seen.active, max_active=settings.max_active_users, waiting=seen.waiting
    )
    candidates = await store.head(concert_id, budget)
    expires_ms = now_ms + settings.active_token_ttl_seconds * 1000
    elapsed = 0.0 if state.last_ms is None else max(0, now_ms - state.last_ms) / 1000
    tick = Tick(
        expected_last_ms=state.last_ms,
        now_ms=now_ms,
        allowance=allowance,
        max_active=settings.max_active_users,
        rate_weight=rate_weight(elapsed),
        elapsed_seconds=elapsed,
        default_rate=rate,
        burst=burst_cap(rate),
    )
    admitted = [
        (candidate, expires_ms, _admitted(candidate, concert_id, now_ms, expires_ms))
        for candidate in candidates
    ]
    done = await store.admit(concert_id, tick, admitted)
    if done >= 0:
        queue_admitted_total.inc(done)
        queue_waiting.labels(str(concert_id)).set(seen.waiting - done)
        queue_active.labels(str(concert_id)).set(seen.active + done)
    return max(done, 0)


def _admitted(candidate: Candidate, concert_id: int, now_ms: int, expires_ms: int) -> Occurrence:
    event = QueueTokenAdmitted(
        token=candidate.token,
        user_id=candidate.user_id,
        concert_id=concert_id,
        sequence=candidate.sequence,
        expires_at=from_ms(expires_ms),
    )
    return event.occurred(fact=candidate.token, at=from_ms(now_ms))


async def expire(resources: Resources, *, now: float | None = None) -> int:
    """One expiry tick: ACTIVE tokens past their TTL, WAITING tokens whose owner stopped polling."""
    at_ms = now_ms(now)
    expired = 0
    for concert_id in await QueueStore(resources).concert_ids():
        expired += await expire_concert(resources, concert_id, now_ms=at_ms)
    return expired


async def expire_concert(resources: Resources, concert_id: int, *, now_ms: int) -> int:
    store = QueueStore(resources)
    idle_cutoff = now_ms - resources.settings.waiting_token_idle_seconds * 1000
    due_active, idle = await store.due(
        concert_id, now_ms=now_ms, idle_cutoff_ms=idle_cutoff, limit=EXPIRY_BATCH
    )
    expired = 0
    for members, mode, cutoff, reason in (
        (due_active, "active", now_ms, "TTL"),
        (idle, "idle", idle_cutoff, "IDLE"),
    ):
        done = await expire_tokens(
            resources,
            concert_id,
            await store.owners(members),
            mode=mode,
            cutoff_ms=cutoff,
            reason=reason,
            now=now_ms / 1000,
        )
        expired += len(done)
    return expired
