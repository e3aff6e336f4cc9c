"""Waiting-room commands: issue a token, poll it, leave, and expire it after payment.

Nothing here writes PostgreSQL: each change and its outbox event are one Lua script
in Redis (store.py). PostgreSQL is read only to learn whether a concert exists (through
the catalog), and that answer is cached in Redis.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from seatgate.catalog import service as catalog
from seatgate.errors import Forbidden, NotFound, QueueTokenInvalid, SaleNotOpen
from seatgate.observability.metrics import queue_tokens_issued_total
from seatgate.queue.domain import (
    ACTIVE,
    EXPIRED,
    SOLD_OUT,
    WAITING,
    QueueTokenInfo,
    TokenStatus,
    concert_of_token,
    estimated_wait_seconds,
    from_ms,
    new_token,
    poll_after_seconds,
)
from seatgate.queue.events import QueueTokenEvent, QueueTokenExpired, QueueTokenIssued
from seatgate.queue.recent import RECENT
from seatgate.queue.replies import ExpiredToken, Issued, Refused, TokenState
from seatgate.queue.schemas import QueueStatus
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources
from seatgate.settings import Settings

CONCERT_CACHE_SECONDS = 60
UNKNOWN_CONCERT_CACHE_SECONDS = 5
# An expired token still answers EXPIRED for this long, then it is unknown (401).
EXPIRED_RETENTION_SECONDS = 3600


def now_ms(now: float | None = None) -> int:
    return int((time.time() if now is None else now) * 1000)


def idle_ms(settings: Settings) -> int:
    """How long an ACTIVE token may go unused."""
    return settings.active_idle_seconds * 1000


async def issue_token(
    resources: Resources, *, user_id: int, concert_id: int, now: float | None = None
) -> tuple[QueueStatus, bool]:
    """The user's live token for the concert, new (True) or the one they already hold (False)."""
    settings = resources.settings
    store = QueueStore(resources)
    at_ms = now_ms(now)
    token = new_token(settings.jwt_secret.get_secret_value(), concert_id)
    issued = QueueTokenEvent(token=token, user_id=user_id, concert_id=concert_id)
    # The script draws the sequence and fills it in.
    event = QueueTokenIssued.partial(issued, fact=token, at=from_ms(at_ms))

    async def issue() -> Issued | Refused:
        return await store.issue(
            concert_id,
            token=token,
            user_id=user_id,
            now_ms=at_ms,
            idle_ms=idle_ms(settings),
            window_ms=settings.prequeue_window_seconds * 1000,
            event=event,
        )

    reply = await issue()
    if reply is Refused.UNCACHED:
        sale = await catalog.sale(resources.pool, concert_id=concert_id)
        opens = sale.opens_at if sale else None
        opens_ms = None if opens is None else int(opens.timestamp() * 1000)
        ttl = _cache_seconds(exists=bool(sale), opens_ms=opens_ms, at_ms=at_ms)
        await store.cache_concert(concert_id, exists=bool(sale), seconds=ttl, opens_ms=opens_ms)
        reply = await issue()
    if reply is Refused.TOO_EARLY:
        raise await _too_early(resources, concert_id)
    if not isinstance(reply, Issued):
        raise NotFound(f"Concert {concert_id} does not exist")
    if reply.new:
        queue_tokens_issued_total.inc()
    status = _status(settings, reply.token, concert_id, reply.state, at_ms)
    if now is None:
        RECENT.put(reply.token, user_id, status)
    return status, reply.new


def _cache_seconds(*, exists: bool, opens_ms: int | None, at_ms: int) -> int:
    """A scheduled sale stays cached until just after its opening, so that every request
    before it learns it (SALE_NOT_OPEN); scheduling again drops the cache at once."""
    if not exists:
        return UNKNOWN_CONCERT_CACHE_SECONDS
    until_opening = 0 if opens_ms is None else math.ceil((opens_ms - at_ms) / 1000)
    return CONCERT_CACHE_SECONDS + max(0, until_opening)


async def _too_early(resources: Resources, concert_id: int) -> SaleNotOpen:
    sale = await catalog.sale(resources.pool, concert_id=concert_id)
    opens = sale.opens_at if sale else None
    window = timedelta(seconds=resources.settings.prequeue_window_seconds)
    prequeue = None if opens is None else opens - window
    return SaleNotOpen(
        f"The line for concert {concert_id} opens at {prequeue}",
        sale_opens_at=None if opens is None else opens.isoformat(),
        prequeue_opens_at=None if prequeue is None else prequeue.isoformat(),
    )


def recent_status(*, token: str, user_id: int) -> QueueStatus | None:
    """The status this process answered the owner lately, if its poll interval has not
    passed yet (recent.py)."""
    return RECENT.get(token, user_id)


async def poll(
    resources: Resources, *, token: str, user_id: int, now: float | None = None
) -> QueueStatus:
    """The owner's status read; it also records that the owner is still there. Sooner
    than the interval this process last advertised for the token, that same answer."""
    if now is None and (recent := recent_status(token=token, user_id=user_id)) is not None:
        return recent
    settings = resources.settings
    concert_id = concert_of_token(settings.jwt_secret.get_secret_value(), token)
    at_ms = now_ms(now)
    state = await QueueStore(resources).poll(
        concert_id, token=token, user_id=user_id, now_ms=at_ms, idle_ms=idle_ms(settings)
    )
    if state is Refused.NO_TOKEN:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if not isinstance(state, TokenState):
        raise Forbidden("Queue token belongs to another user")
    status = _status(settings, token, concert_id, state, at_ms)
    if now is None:
        RECENT.put(token, user_id, status)
    return status


def _status(
    settings: Settings, token: str, concert_id: int, state: TokenState, at_ms: int
) -> QueueStatus:
    idle = settings.waiting_token_idle_seconds
    common = {
        "token": token,
        "concert_id": concert_id,
        "seats_remaining": state.seats,
        "sale_opens_at": from_ms(state.opens_ms),
    }
    if state.status == WAITING:
        expires_at = from_ms((state.polled_ms or at_ms) + idle * 1000)
        if state.prequeued:
            until_opening = max(0, math.ceil(((state.opens_ms or at_ms) - at_ms) / 1000))
            return QueueStatus(
                **common,
                status=WAITING,
                position=None,
                estimated_wait_seconds=until_opening,
                poll_after_seconds=poll_after_seconds(
                    WAITING, wait_seconds=until_opening, idle_seconds=idle, pre_queue=True
                ),
                expires_at=expires_at,
            )
        position = state.rank + 1
        wait = estimated_wait_seconds(position, state.rate, settings.admission_rate_per_second)
        shown: TokenStatus = SOLD_OUT if state.seats == 0 else WAITING
        return QueueStatus(
            **common,
            status=shown,
            position=position,
            estimated_wait_seconds=wait,
            poll_after_seconds=poll_after_seconds(shown, wait_seconds=wait, idle_seconds=idle),
            expires_at=expires_at,
        )
    expires_ms = _active_until(settings, state.expires_ms, state.used_ms)
    live: TokenStatus = ACTIVE if state.status == ACTIVE and (expires_ms or 0) > at_ms else EXPIRED
    return QueueStatus(
        **common,
        status=live,
        position=0,
        estimated_wait_seconds=0,
        poll_after_seconds=poll_after_seconds(live, wait_seconds=0, idle_seconds=idle),
        expires_at=from_ms(expires_ms),
    )


def _active_until(settings: Settings, expires_ms: int | None, used_ms: int | None) -> int | None:
    """An ACTIVE token ends at its absolute expiry, or sooner when it goes unused."""
    if expires_ms is None or used_ms is None:
        return expires_ms
    return min(expires_ms, used_ms + idle_ms(settings))


async def token_info(resources: Resources, *, token: str, user_id: int) -> QueueTokenInfo:
    """The token as other features see it; the caller must own it (403 otherwise). A
    request carrying an ACTIVE token renews its session."""
    settings = resources.settings
    concert_id = concert_of_token(settings.jwt_secret.get_secret_value(), token)
    at_ms = now_ms()
    found = await QueueStore(resources).touch(token, now_ms=at_ms, idle_ms=idle_ms(settings))
    if found is None:
        raise QueueTokenInvalid("Queue token is unknown or expired long ago")
    if found.user_id != user_id:
        raise Forbidden("Queue token belongs to another user")
    expires_ms = _active_until(settings, found.expires_ms, found.used_ms)
    live: TokenStatus = WAITING if found.status == WAITING else EXPIRED
    if found.status == ACTIVE and (expires_ms or 0) > at_ms:
        live = ACTIVE
    return QueueTokenInfo(
        token=token,
        user_id=user_id,
        concert_id=concert_id,
        status=live,
        sequence=found.sequence,
        expires_at=from_ms(expires_ms),
        sale_opens_at=from_ms(found.opens_ms),
    )


async def leave(resources: Resources, *, token: str, user_id: int) -> None:
    info = await token_info(resources, token=token, user_id=user_id)
    RECENT.forget(token)
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
    RECENT.forget(queue_token)
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
) -> list[ExpiredToken]:
    """Expire live tokens (mode `any`, or `active`/`idle`/`unused` if due at `cutoff_ms`)."""
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
