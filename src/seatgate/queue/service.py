"""Waiting-room commands: issue a token, poll it, leave, and expire it after payment.

Nothing here writes PostgreSQL: each change and its outbox event are one Lua script
in Redis (store.py). PostgreSQL is read only to learn whether a concert exists (through
the catalog), and that answer is cached in Redis.
"""

from __future__ import annotations

import time

from seatgate.catalog import service as catalog
from seatgate.errors import Forbidden, NotFound, QueueTokenInvalid
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
from seatgate.queue.events import QueueTokenEvent, QueueTokenExpired, QueueTokenIssued
from seatgate.queue.replies import Issued, Refused, TokenState
from seatgate.queue.schemas import QueueStatus
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources

CONCERT_CACHE_SECONDS = 60
UNKNOWN_CONCERT_CACHE_SECONDS = 5
# An expired token still answers EXPIRED for this long, then it is unknown (401).
EXPIRED_RETENTION_SECONDS = 3600


def now_ms(now: float | None = None) -> int:
    return int((time.time() if now is None else now) * 1000)


async def issue_token(
    resources: Resources, *, user_id: int, concert_id: int, now: float | None = None
) -> tuple[QueueStatus, bool]:
    """The user's live token for the concert, new (True) or the one they already hold (False)."""
    store = QueueStore(resources)
    at_ms = now_ms(now)
    token = new_token(resources.settings.jwt_secret.get_secret_value(), concert_id)
    issued = QueueTokenEvent(token=token, user_id=user_id, concert_id=concert_id)
    # The script draws the sequence and fills it in.
    event = QueueTokenIssued.partial(issued, fact=token, at=from_ms(at_ms))

    async def issue() -> Issued | Refused:
        return await store.issue(
            concert_id, token=token, user_id=user_id, now_ms=at_ms, event=event
        )

    reply = await issue()
    if reply is Refused.UNCACHED:
        exists = await catalog.concert_exists(resources.pool, concert_id=concert_id)
        ttl = CONCERT_CACHE_SECONDS if exists else UNKNOWN_CONCERT_CACHE_SECONDS
        await store.cache_concert(concert_id, exists=exists, seconds=ttl)
        reply = await issue()
    if not isinstance(reply, Issued):
        raise NotFound(f"Concert {concert_id} does not exist")
    if reply.new:
        queue_tokens_issued_total.inc()
    return _status(resources, reply.token, concert_id, reply.state, at_ms), reply.new


async def poll(
    resources: Resources, *, token: str, user_id: int, now: float | None = None
) -> QueueStatus:
    """The owner's status read; it also records that the owner is still there."""
    concert_id = concert_of_token(resources.settings.jwt_secret.get_secret_value(), token)
    at_ms = now_ms(now)
    state = await QueueStore(resources).poll(concert_id, token=token, user_id=user_id, now_ms=at_ms)
    if state is Refused.NO_TOKEN:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if not isinstance(state, TokenState):
        raise Forbidden("Queue token belongs to another user")
    return _status(resources, token, concert_id, state, at_ms)


def _status(
    resources: Resources, token: str, concert_id: int, state: TokenState, at_ms: int
) -> QueueStatus:
    settings = resources.settings
    if state.status == WAITING:
        position = state.rank + 1
        polled = state.polled_ms or at_ms
        return QueueStatus(
            token=token,
            concert_id=concert_id,
            status=WAITING,
            position=position,
            estimated_wait_seconds=estimated_wait_seconds(
                position, state.rate, settings.admission_rate_per_second
            ),
            expires_at=from_ms(polled + settings.waiting_token_idle_seconds * 1000),
        )
    expires_ms = state.expires_ms
    live: TokenStatus = ACTIVE if state.status == ACTIVE and (expires_ms or 0) > at_ms else EXPIRED
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
    found = await QueueStore(resources).token(token)
    if found is None:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if found.user_id != user_id:
        raise Forbidden("Queue token belongs to another user")
    live: TokenStatus = WAITING if found.status == WAITING else EXPIRED
    if found.status == ACTIVE and (found.expires_ms or 0) > now_ms():
        live = ACTIVE
    return QueueTokenInfo(
        token=token,
        user_id=user_id,
        concert_id=concert_id,
        status=live,
        sequence=found.sequence,
        expires_at=from_ms(found.expires_ms),
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
    owner = await QueueStore(resources).owner(queue_token)
    if owner is None:
        return
    await expire_tokens(
        resources, concert_id, [(queue_token, owner)], mode="any", cutoff_ms=0, reason="PAID"
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
    at_ms = now_ms(now)
    events = [
        (
            token,
            QueueTokenExpired(
                token=token, user_id=user_id, concert_id=concert_id, reason=reason
            ).occurred(fact=token, at=from_ms(at_ms)),
        )
        for token, user_id in tokens
    ]
    return await QueueStore(resources).expire(
        concert_id,
        mode=mode,
        cutoff_ms=cutoff_ms,
        now_ms=at_ms,
        retention_seconds=EXPIRED_RETENTION_SECONDS,
        reason=reason,
        tokens=events,
    )
