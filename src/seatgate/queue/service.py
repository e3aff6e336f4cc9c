"""Waiting-room commands: issue a token, poll it, leave, and expire it after payment.

Nothing here writes PostgreSQL: each change and its outbox event are one Lua script
in Redis (store.py). PostgreSQL is read only to learn whether a concert exists (through
the catalog), and that answer is cached in Redis.
"""

from __future__ import annotations

import time
from typing import Any

from seatgate.catalog import service as catalog
from seatgate.errors import Forbidden, NotFound, QueueTokenInvalid
from seatgate.messaging.envelope import QUEUE_TOPIC, make_event
from seatgate.observability.metrics import queue_tokens_issued_total
from seatgate.queue.domain import (
    ACTIVE,
    EXPIRED,
    WAITING,
    QueueTokenInfo,
    TokenStatus,
    concert_of_token,
    estimated_wait_seconds,
    from_ms,
    new_token,
)
from seatgate.queue.schemas import QueueStatus
from seatgate.queue.store import QueueStore, as_text, store_of
from seatgate.resources import Resources

CONCERT_CACHE_SECONDS = 60
UNKNOWN_CONCERT_CACHE_SECONDS = 5
# An expired token still answers EXPIRED for this long, then it is unknown (401).
EXPIRED_RETENTION_SECONDS = 3600


def now_ms(now: float | None = None) -> int:
    return int((time.time() if now is None else now) * 1000)


def queue_event(event_type: str, token: str, at_ms: int, **data: Any) -> str:
    occurred = from_ms(at_ms)
    return make_event(
        event_type, token, {"token": token, **data}, fact=token, occurred_at=occurred
    ).model_dump_json()


async def _cache_concert(resources: Resources, key: str, concert_id: int) -> None:
    exists = await catalog.concert_exists(resources.pool, concert_id=concert_id)
    ttl = CONCERT_CACHE_SECONDS if exists else UNKNOWN_CONCERT_CACHE_SECONDS
    await resources.redis.set(key, "1" if exists else "0", ex=ttl)


async def issue_token(
    resources: Resources, *, user_id: int, concert_id: int, now: float | None = None
) -> tuple[QueueStatus, bool]:
    """The user's live token for the concert, new (True) or the one they already hold (False)."""
    store = store_of(resources)
    keys = store.for_concert(concert_id)
    at_ms = now_ms(now)
    token = new_token(resources.settings.jwt_secret.get_secret_value(), concert_id)
    event = queue_event("QueueTokenIssued", token, at_ms, user_id=user_id, concert_id=concert_id)
    script_keys = [keys.concert, keys.users, keys.seq, keys.waiting, keys.polled]
    script_keys += [store.token_key(token), store.concerts, store.outbox, keys.admission]
    args = [store.token_prefix, token, user_id, concert_id, at_ms, event, QUEUE_TOPIC]
    reply = await store.issue(keys=script_keys, args=args)  # type: ignore[arg-type]  # typed in issue 13 (H1)
    if as_text(reply[0]) == "UNCACHED":
        await _cache_concert(resources, keys.concert, concert_id)
        reply = await store.issue(keys=script_keys, args=args)  # type: ignore[arg-type]  # typed in issue 13 (H1)
    kind = as_text(reply[0])
    if kind not in ("NEW", "EXISTING"):
        raise NotFound(f"Concert {concert_id} does not exist")
    if kind == "NEW":
        queue_tokens_issued_total.inc()
    issued = as_text(reply[1]) or token
    return _status(resources, issued, concert_id, reply[2], at_ms), kind == "NEW"


async def poll(
    resources: Resources, *, token: str, user_id: int, now: float | None = None
) -> QueueStatus:
    """The owner's status read; it also records that the owner is still there."""
    concert_id = concert_of_token(resources.settings.jwt_secret.get_secret_value(), token)
    store = store_of(resources)
    keys = store.for_concert(concert_id)
    at_ms = now_ms(now)
    reply = await store.poll(
        keys=[store.token_key(token), keys.waiting, keys.polled, keys.admission],
        args=[token, at_ms, user_id],
    )
    if reply is None:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if len(reply) == 1:
        raise Forbidden("Queue token belongs to another user")
    return _status(resources, token, concert_id, reply, at_ms)


def _status(
    resources: Resources, token: str, concert_id: int, reply: list[Any], at_ms: int
) -> QueueStatus:
    """A QueueStatus from the store's status reply (see store.STATUS_FN)."""
    settings = resources.settings
    status = as_text(reply[1])
    expires_ms = _int(reply[3])
    if status == WAITING:
        position = int(reply[4]) + 1
        rate = as_text(reply[6])
        polled = _int(reply[5]) or at_ms
        return QueueStatus(
            token=token,
            concert_id=concert_id,
            status=WAITING,
            position=position,
            estimated_wait_seconds=estimated_wait_seconds(
                position, float(rate) if rate else None, settings.admission_rate_per_second
            ),
            expires_at=from_ms(polled + settings.waiting_token_idle_seconds * 1000),
        )
    live: TokenStatus = ACTIVE if status == ACTIVE and (expires_ms or 0) > at_ms else EXPIRED
    return QueueStatus(
        token=token,
        concert_id=concert_id,
        status=live,
        position=0,
        estimated_wait_seconds=0,
        expires_at=from_ms(expires_ms),
    )


async def token_info(resources: Resources, *, token: str, user_id: int) -> QueueTokenInfo:
    """The token as other features see it; the caller must own it (403 otherwise)."""
    concert_id = concert_of_token(resources.settings.jwt_secret.get_secret_value(), token)
    store = store_of(resources)
    owner, status, sequence, expires = await resources.redis.hmget(
        store.token_key(token), "user_id", "status", "sequence", "expires_ms"
    )
    if owner is None:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if int(owner) != user_id:
        raise Forbidden("Queue token belongs to another user")
    expires_ms = _int(expires)
    text = as_text(status)
    live: TokenStatus = WAITING if text == WAITING else EXPIRED
    if text == ACTIVE and (expires_ms or 0) > now_ms():
        live = ACTIVE
    return QueueTokenInfo(
        token=token,
        user_id=user_id,
        concert_id=concert_id,
        status=live,
        sequence=int(sequence),  # type: ignore[arg-type]  # typed in issue 13 (H1)
        expires_at=from_ms(expires_ms),
    )


async def leave(resources: Resources, *, token: str, user_id: int) -> None:
    info = await token_info(resources, token=token, user_id=user_id)
    await expire_tokens(
        resources, info.concert_id, [(token, user_id)], mode="any", cutoff_ms=0, reason="LEFT"
    )


async def expire_after_payment(resources: Resources, *, queue_token: str) -> None:
    """Called once a payment has committed: the token is spent and its active slot freed.

    Never raises for an unknown or already expired token: the payment stands regardless.
    """
    try:
        concert_id = concert_of_token(resources.settings.jwt_secret.get_secret_value(), queue_token)
    except QueueTokenInvalid:
        return
    owner = await resources.redis.hget(store_of(resources).token_key(queue_token), "user_id")
    if owner is None:
        return
    await expire_tokens(
        resources,
        concert_id,
        [(queue_token, int(owner))],
        mode="any",
        cutoff_ms=0,
        reason="PAID",
    )


async def expire_tokens(
    resources: Resources,
    concert_id: int,
    tokens: list[tuple[str, int]],
    *,
    mode: str,
    cutoff_ms: int,
    reason: str,
    now: float | None = None,
) -> list[str]:
    """Expire live tokens (mode `any`, or `active`/`idle` if still due at `cutoff_ms`)."""
    if not tokens:
        return []
    store: QueueStore = store_of(resources)
    keys = store.for_concert(concert_id)
    at_ms = now_ms(now)
    args: list[Any] = [mode, cutoff_ms, at_ms, EXPIRED_RETENTION_SECONDS, QUEUE_TOPIC]
    args += [concert_id, reason]
    for token, user_id in tokens:
        event = queue_event(
            "QueueTokenExpired", token, at_ms, user_id=user_id, concert_id=concert_id, reason=reason
        )
        args += [token, event]
    script_keys = [keys.waiting, keys.polled, keys.active, keys.users, store.outbox]
    script_keys += [store.token_key(token) for token, _ in tokens]
    expired = await store.expire(keys=script_keys, args=args)
    return [as_text(token) or "" for token in expired]


def _int(value: Any) -> int | None:
    text = as_text(value)
    return None if text is None else int(float(text))
