"""The relay's view of its broker: a broker that came back empty, or whose topics were
recreated, gets again what the relay had published just before it was lost.

A broker acknowledges a send once it holds the message; a broker that dies before a
consumer read it and comes back without its data (the embedded one keeps nothing; a
topic deleted and recreated) loses it, though the outbox row says published. The
relay cannot see that from its sends, which keep succeeding on the new broker. So it
fingerprints the broker — its cluster id and the id of each topic (KIP-516; a
recreated topic gets a new one) — and records the fingerprint with the time it was last
seen intact (`relay_broker`). When the fingerprint changes, every event published from
`relay_republish_window_seconds` before that time on is published again, in outbox
order per key: table rows are unpublished, stream entries come back from their record
(`StreamOutbox.schedule_republish`, for every stream). Consumers dedupe on event_id.

The broker is checked before the relay's first send, after any failed round and as soon
as the producer saw every broker down, and no send happens until that check is done:
nothing goes to a new broker before the old one's events were scheduled again. It is
also checked every CHECK_SECONDS, beside the sends (a check costs 15-125 ms here, which
would stall publishing every time), for a change no send noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import orjson
from confluent_kafka.admin import AdminClient

from seatgate.messaging import repository
from seatgate.messaging.envelope import TOPICS
from seatgate.messaging.kafka import admin_config, kafka_topic
from seatgate.messaging.offsets import topic_ids
from seatgate.messaging.publisher import Publisher
from seatgate.messaging.streams import StreamOutboxes
from seatgate.messaging.topics import ensure_topics
from seatgate.resources import Resources
from seatgate.settings import Settings

log = logging.getLogger("seatgate.relay")

CHECK_SECONDS = 5.0


def fingerprint(settings: Settings) -> str:
    """The broker's cluster id and the ids of the relay's topics (blocking). Raises when
    the broker cannot be asked or a topic is missing: call ensure_topics first."""
    topics = [kafka_topic(settings, topic) for topic in TOPICS]
    admin = AdminClient(admin_config(settings))
    cluster_id = admin.list_topics(timeout=settings.connect_timeout_seconds).cluster_id
    ids = topic_ids(settings, topics)
    missing = sorted(topic for topic, topic_id in ids.items() if topic_id is None)
    if missing:
        raise RuntimeError(f"topics missing right after creating them: {missing}")
    return orjson.dumps(
        {"cluster": cluster_id, "topics": ids}, option=orjson.OPT_SORT_KEYS
    ).decode()


class BrokerWatch:
    def __init__(self, resources: Resources, publisher: Publisher, streams: StreamOutboxes) -> None:
        self._resources = resources
        self._settings = resources.settings
        self._publisher = publisher
        self._streams = streams
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()
        self._periodic: asyncio.Task[None] | None = None
        self._invalidated = 0
        self.switches = 0

    def invalidate(self) -> None:
        """Check again before the next send (a round failed: the broker may be new)."""
        self._checked_at = None
        self._invalidated += 1  # a check under way when this happens does not count

    async def ensure(self) -> None:
        """Before a round: the broker is the one recorded, or its lost events are queued."""
        if self._publisher.brokers_lost:
            self._publisher.brokers_lost = False
            self.invalidate()
        while self._checked_at is None:
            async with self._lock:
                if self._checked_at is None:
                    await self._checked()
        if time.monotonic() - self._checked_at > CHECK_SECONDS and (
            self._periodic is None or self._periodic.done()
        ):
            self._periodic = asyncio.create_task(self._check_periodically())

    async def _checked(self) -> None:
        invalidated = self._invalidated
        await self._check()
        if invalidated == self._invalidated:
            self._checked_at = time.monotonic()

    async def _check_periodically(self) -> None:
        try:
            async with self._lock:
                await self._checked()
        except Exception as error:
            self.invalidate()  # the next round checks before it sends
            log.warning("broker check failed", extra={"error": str(error)[:300]})

    async def close(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._periodic

    async def _check(self) -> None:
        await asyncio.to_thread(ensure_topics, self._settings)
        current = await asyncio.to_thread(fingerprint, self._settings)
        pool, prefix = self._resources.pool, self._settings.kafka_topic_prefix
        seen = await repository.broker_seen(pool, prefix)
        if seen is None or seen.fingerprint == current:
            await repository.saw_broker(pool, prefix, current)
            return
        window = self._settings.relay_republish_window_seconds
        since = seen.seen_at - timedelta(seconds=window)
        if window:
            # The stream first: if this relay dies before the switch below commits, the
            # next check finds the old fingerprint and schedules it again (duplicates only).
            await self._streams.schedule_republish(since)
        rows = await repository.switch_broker(
            pool, prefix, seen, current, since if window else None
        )
        if rows is None:
            log.info("another relay recorded the new broker and re-publishes its rows")
            return
        self.switches += 1
        log.warning(
            "broker came back empty or with recreated topics; re-publishing",
            extra={
                "seen_intact_at": seen.seen_at.isoformat(),
                "republish_since": since.isoformat() if window else None,
                "outbox_rows": rows,
            },
        )
