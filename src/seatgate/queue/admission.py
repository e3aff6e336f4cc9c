"""The scheduler's side of the waiting room: admit the head of each line, expire the rest.

Each tick reads a concert's state, decides, and hands the decision to one Lua script
that re-checks it atomically: a candidate that left meanwhile is skipped, and a tick
whose admission clock was moved by another admitter changes nothing, so even two
admitters without the leader lock could not double the rate.
"""

from __future__ import annotations

from seatgate.messaging.envelope import Occurrence
from seatgate.observability import metrics
from seatgate.observability.metrics import queue_active, queue_admitted_total, queue_waiting
from seatgate.queue.domain import (
    WAITING,
    AdmissionState,
    admission_allowance,
    admission_budget,
    burst_cap,
    estimated_wait_seconds,
    from_ms,
    rate_weight,
)
from seatgate.queue.events import QueueTokenAdmitted
from seatgate.queue.replies import Admitted, Candidate, ExpiredToken, Tick
from seatgate.queue.service import expire_tokens, idle_ms, now_ms
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources

EXPIRY_BATCH = 500


async def admit(resources: Resources, *, now: float | None = None) -> int:
    """One admission tick over every concert with a queue; returns how many were admitted."""
    at_ms = now_ms(now)
    admitted = prequeued = 0
    for concert_id in await QueueStore(resources).concert_ids():
        done, waiting_to_open = await admit_concert(resources, concert_id, now_ms=at_ms)
        admitted += done
        prequeued += waiting_to_open
    metrics.queue_prequeue.set(prequeued)
    return admitted


async def admit_concert(resources: Resources, concert_id: int, *, now_ms: int) -> tuple[int, int]:
    """Admissions made (0 when the tick was not applied) and tokens in the pre-queue."""
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
    etas = await store.admit(concert_id, tick, admitted)
    if etas is None:
        return 0, seen.prequeue
    done = len(etas)
    queue_admitted_total.inc(done)
    queue_waiting.labels(str(concert_id)).set(seen.waiting - done)
    queue_active.labels(str(concert_id)).set(seen.active + done)
    for eta in etas:
        _observe_eta(eta, now_ms=now_ms, configured_rate=rate)
    return done, seen.prequeue


def _observe_eta(eta: Admitted, *, now_ms: int, configured_rate: float) -> None:
    """Actual ÷ predicted wait of one admitted token, the prediction being its first ETA."""
    if eta.eta_from_ms is None or eta.eta_rank is None:
        return
    predicted = estimated_wait_seconds(eta.eta_rank + 1, eta.eta_rate, configured_rate)
    actual = max(0, now_ms - eta.eta_from_ms) / 1000
    metrics.queue_eta_accuracy.observe(actual / predicted)


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
    unused_cutoff = now_ms - idle_ms(resources.settings)
    due_active, idle, unused = await store.due(
        concert_id,
        now_ms=now_ms,
        idle_cutoff_ms=idle_cutoff,
        unused_cutoff_ms=unused_cutoff,
        limit=EXPIRY_BATCH,
    )
    expired = 0
    for members, mode, cutoff, reason in (
        (due_active, "active", now_ms, "TTL"),
        (idle, "idle", idle_cutoff, "IDLE"),
        (unused, "unused", unused_cutoff, "IDLE"),
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
        if mode == "idle":
            _count_abandoned(done, now_ms=now_ms)
        expired += len(done)
    return expired


def _count_abandoned(done: list[ExpiredToken], *, now_ms: int) -> None:
    """WAITING tokens whose owner stopped polling: they left the line."""
    for token in done:
        if token.status == WAITING:
            metrics.queue_abandoned_total.inc()
            waited = max(0, now_ms - (token.issued_ms or now_ms)) / 1000
            metrics.queue_abandoned_wait_seconds.observe(waited)
