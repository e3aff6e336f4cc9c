"""Helpers shared by the waiting-room tests."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import Any, cast

from seatgate.messaging import outbox
from seatgate.messaging.envelope import Envelope
from seatgate.messaging.schemas import parse_event
from seatgate.queue import service
from seatgate.queue.schemas import QueueStatus
from seatgate.resources import Resources
from seatgate.users.schemas import CreatedUser
from tests.factories import a_user

_titles = itertools.count(1)
T0 = 1_900_000_000.0  # a fixed clock for tests that drive time themselves


async def a_concert(resources: Resources) -> int:
    """A concert row (the catalog feature's seeding is not what these tests exercise)."""
    title = f"queue test concert {next(_titles)}"
    concert_id = await resources.pool.fetchval(
        "INSERT INTO concerts (title) VALUES ($1) RETURNING id", title
    )
    return int(concert_id)


def with_settings(resources: Resources, **overrides: Any) -> Resources:
    return dataclasses.replace(resources, settings=resources.settings.model_copy(update=overrides))


async def users(resources: Resources, count: int) -> list[CreatedUser]:
    return list(await asyncio.gather(*(a_user(resources) for _ in range(count))))


async def line_up(
    resources: Resources, concert_id: int, people: list[CreatedUser], *, now: float = T0
) -> list[QueueStatus]:
    """Issue tokens one after the other, so the line's order is the list's order."""
    line = []
    for person in people:
        status, _ = await service.issue_token(
            resources, user_id=person.user_id, concert_id=concert_id, now=now
        )
        line.append(status)
    return line


async def outbox_events(resources: Resources) -> list[tuple[dict[str, str], Envelope]]:
    """Every entry of the Redis outbox streams, with its envelope validated, in entry id
    order (the order of appends, within each stream)."""
    registry = outbox.registry_key(resources.settings.redis_key_prefix)
    entries: list[tuple[bytes, dict[bytes, bytes]]] = []
    for stream in await resources.redis.smembers(registry):
        entries += cast(
            list[tuple[bytes, dict[bytes, bytes]]], await resources.redis.xrange(stream)
        )
    entries.sort(key=lambda entry: tuple(int(part) for part in entry[0].split(b"-")))
    found = []
    for _, fields in entries:
        decoded = {key.decode(): value.decode() for key, value in fields.items()}
        envelope, _ = parse_event(decoded["event"], topic=decoded["topic"])
        found.append((decoded, envelope))
    return found
