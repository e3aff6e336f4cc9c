"""The on-sale's reads and scripts over a concert's waiting-room keys (store.py names them)."""

from __future__ import annotations

from collections.abc import Sequence

from seatgate.queue import replies, sale_scripts
from seatgate.queue.replies import Inventory, Shuffle
from seatgate.queue.store import QueueStore


async def prequeue(store: QueueStore, concert_id: int) -> list[str]:
    """The tokens waiting for the opening, in no meaningful order."""
    members = await store.redis.zrange(store.for_concert(concert_id).prequeue, 0, -1)
    return [replies.text(member) or "" for member in members]


async def shuffle(
    store: QueueStore,
    concert_id: int,
    order: Sequence[str],
    *,
    now_ms: int,
    opens_ms: int,
    rate: float | None,
    keep_seconds: int,
) -> tuple[Shuffle, int | None]:
    """Place the pre-queue in `order` unless it was already (ALREADY) or it is no longer
    exactly those tokens (CHANGED); with the time of the shuffle that stands."""
    keys = store.for_concert(concert_id)
    script_keys = [*keys.script_keys(), keys.order, *(store.token_key(t) for t in order)]
    args = [now_ms, opens_ms, "" if rate is None else rate, keep_seconds, *order]
    reply = replies.as_list(await sale_scripts.SHUFFLE(store.redis, script_keys, args))
    return Shuffle(replies.text(reply[0]) or ""), replies.ms(reply[1]) if len(reply) > 1 else None


async def order(store: QueueStore, concert_id: int) -> list[str]:
    """The pre-queue as the opening placed it (position 1 first), while it is kept."""
    members = await store.redis.lrange(store.for_concert(concert_id).order, 0, -1)
    return [replies.text(member) or "" for member in members]


async def measured_rate(store: QueueStore, concert_id: int) -> float | None:
    rate = await store.redis.hget(store.for_concert(concert_id).admission, "rate")
    return replies.number(rate)


async def set_inventory(
    store: QueueStore, concert_id: int, *, seats: int, now_ms: int
) -> Inventory:
    keys = store.for_concert(concert_id)
    reply = await sale_scripts.INVENTORY(store.redis, keys.script_keys(), [seats, now_ms])
    sold_out, opened = replies.as_list(reply)
    return Inventory(replies.ms(sold_out), replies.ms(opened))
