"""The scheduler's side of the waiting room: admit the head of each line, expire the rest.

Each tick reads a concert's state, decides, and hands the decision to one Lua script
that re-checks it atomically: a candidate that left meanwhile is skipped, and a tick
whose admission clock was moved by another admitter changes nothing, so even two
admitters without the leader lock could not double the rate.
"""

from __future__ import annotations

from typing import Any

from seatgate.messaging.envelope import QUEUE_TOPIC
from seatgate.observability.metrics import queue_active, queue_admitted_total, queue_waiting
from seatgate.queue.domain import (
    AdmissionState,
    admission_allowance,
    admission_budget,
    burst_cap,
    from_ms,
    rate_weight,
)
from seatgate.queue.service import expire_tokens, now_ms, queue_event
from seatgate.queue.store import as_text, store_of
from seatgate.resources import Resources

EXPIRY_BATCH = 500


async def _concerts(resources: Resources) -> list[int]:
    members = await resources.redis.smembers(store_of(resources).concerts)
    return sorted(int(member) for member in members)


async def admit(resources: Resources, *, now: float | None = None) -> int:
    """One admission tick over every concert with a queue; returns how many were admitted."""
    at_ms = now_ms(now)
    admitted = 0
    for concert_id in await _concerts(resources):
        admitted += await admit_concert(resources, concert_id, now_ms=at_ms)
    return admitted


async def admit_concert(resources: Resources, concert_id: int, *, now_ms: int) -> int:
    settings = resources.settings
    store = store_of(resources)
    keys = store.for_concert(concert_id)
    pipe = resources.redis.pipeline(transaction=False)
    pipe.hmget(keys.admission, "last_ms", "carry")
    pipe.zcard(keys.active)
    pipe.zcard(keys.waiting)
    (last, carry), active, waiting = await pipe.execute()
    state = AdmissionState(last_ms=None if last is None else int(last), carry=float(carry or 0))
    rate = settings.admission_rate_per_second
    allowance = admission_allowance(state, now_ms=now_ms, rate_per_second=rate)
    budget = admission_budget(
        allowance, active=active, max_active=settings.max_active_users, waiting=waiting
    )
    candidates = await _head(resources, keys.waiting, budget)
    expires_ms = now_ms + settings.active_token_ttl_seconds * 1000
    elapsed = 0.0 if state.last_ms is None else max(0, now_ms - state.last_ms) / 1000
    args: list[Any] = [as_text(last) or "", now_ms, allowance, settings.max_active_users]
    args += [rate_weight(elapsed), elapsed, rate, burst_cap(rate), QUEUE_TOPIC, concert_id]
    for token, sequence, user_id in candidates:
        event = queue_event(
            "QueueTokenAdmitted",
            token,
            now_ms,
            user_id=user_id,
            concert_id=concert_id,
            sequence=sequence,
            expires_at=from_ms(expires_ms),
        )
        args += [token, expires_ms, event]
    script_keys = [keys.waiting, keys.polled, keys.active, keys.admission, store.outbox]
    script_keys += [store.token_key(token) for token, _, _ in candidates]
    done = int(await store.admit(keys=script_keys, args=args))
    if done >= 0:
        queue_admitted_total.inc(done)
        queue_waiting.labels(str(concert_id)).set(waiting - done)
        queue_active.labels(str(concert_id)).set(active + done)
    return max(done, 0)


async def _head(resources: Resources, waiting_key: str, count: int) -> list[tuple[str, int, int]]:
    """The first `count` waiting tokens, oldest first, with their sequence and owner."""
    if count <= 0:
        return []
    head = await resources.redis.zrange(waiting_key, 0, count - 1, withscores=True)
    store = store_of(resources)
    pipe = resources.redis.pipeline(transaction=False)
    for member, _ in head:  # type: ignore[str-unpack]  # typed in issue 13 (H1)
        pipe.hget(store.token_key(as_text(member) or ""), "user_id")
    owners = await pipe.execute()
    return [  # type: ignore[str-unpack]  # typed in issue 13 (H1)
        (as_text(member) or "", int(score), int(owner))
        for (member, score), owner in zip(head, owners, strict=True)
        if owner is not None
    ]


async def expire(resources: Resources, *, now: float | None = None) -> int:
    """One expiry tick: ACTIVE tokens past their TTL, WAITING tokens whose owner stopped polling."""
    at_ms = now_ms(now)
    expired = 0
    for concert_id in await _concerts(resources):
        expired += await expire_concert(resources, concert_id, now_ms=at_ms)
    return expired


async def expire_concert(resources: Resources, concert_id: int, *, now_ms: int) -> int:
    store = store_of(resources)
    keys = store.for_concert(concert_id)
    idle_cutoff = now_ms - resources.settings.waiting_token_idle_seconds * 1000
    pipe = resources.redis.pipeline(transaction=False)
    pipe.zrangebyscore(keys.active, "-inf", now_ms, start=0, num=EXPIRY_BATCH)
    pipe.zrangebyscore(keys.polled, "-inf", idle_cutoff, start=0, num=EXPIRY_BATCH)
    due_active, idle = await pipe.execute()
    expired = 0
    for members, mode, cutoff, reason in (
        (due_active, "active", now_ms, "TTL"),
        (idle, "idle", idle_cutoff, "IDLE"),
    ):
        tokens = await _with_owners(resources, [as_text(m) or "" for m in members])
        done = await expire_tokens(
            resources,
            concert_id,
            tokens,
            mode=mode,
            cutoff_ms=cutoff,
            reason=reason,
            now=now_ms / 1000,
        )
        expired += len(done)
    return expired


async def _with_owners(resources: Resources, tokens: list[str]) -> list[tuple[str, int]]:
    if not tokens:
        return []
    store = store_of(resources)
    pipe = resources.redis.pipeline(transaction=False)
    for token in tokens:
        pipe.hget(store.token_key(token), "user_id")
    owners = await pipe.execute()
    return [
        (token, int(owner))
        for token, owner in zip(tokens, owners, strict=True)
        if owner is not None
    ]
