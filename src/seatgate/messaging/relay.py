"""The relay: both outboxes (PostgreSQL table, Redis stream) to Kafka, at least once,
in order per key. Why it works this way:
docs/decisions/0005-outbox-relay-and-idempotent-consumers.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

import orjson

from seatgate.messaging import repository
from seatgate.messaging.broker_watch import BrokerWatch
from seatgate.messaging.kafka import kafka_topic
from seatgate.messaging.publisher import Message, Publisher
from seatgate.messaging.stream import StreamEntry, StreamOutbox
from seatgate.messaging.streams import StreamOutboxes
from seatgate.observability import metrics
from seatgate.resources import Resources
from seatgate.worker_runner import Backoff, Round, repeat

log = logging.getLogger("seatgate.relay")

# A lease outlives the longest send (message.timeout.ms + grace) by a wide margin, so a
# live relay never loses its rows to another one mid-send.
LEASE_SECONDS = 60.0
BATCH_SIZE = 500
POLL_SECONDS = 0.05
FOLLOWER_WAIT_SECONDS = 1.0
METRICS_SECONDS = 2.0
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 5.0


class BrokerUnavailable(Exception):
    """Some sends were not acknowledged; their rows stay unpublished for the next try."""


def acknowledged_in_key_order(
    keys: list[str], results: list[Exception | None]
) -> tuple[list[int], list[int]]:
    """Indexes to mark published and to retry: once a key fails, its later events wait
    too, so that a retry can never put an older event behind a newer one."""
    done: list[int] = []
    retry: list[int] = []
    failed_keys: set[str] = set()
    for index, (key, error) in enumerate(zip(keys, results, strict=True)):
        if error is None and key not in failed_keys:
            done.append(index)
        else:
            failed_keys.add(key)
            retry.append(index)
    return done, retry


def _headers(event_type: Any, event_id: Any) -> list[tuple[str, bytes]]:
    return [("event_type", str(event_type).encode()), ("event_id", str(event_id).encode())]


def _stream_headers(event: bytes) -> list[tuple[str, bytes]]:
    try:
        parsed = orjson.loads(event)
        return _headers(parsed["type"], parsed["event_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return []  # consumers reject it into the DLQ with the reason


class Relay:
    def __init__(
        self,
        resources: Resources,
        *,
        batch_size: int = BATCH_SIZE,
        poll_seconds: float = POLL_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.id = uuid.uuid4()
        self._resources = resources
        self._settings = resources.settings
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._lease_seconds = lease_seconds
        self._publisher = Publisher(resources.settings)
        self._streams = StreamOutboxes(
            resources.redis,
            prefix=resources.settings.redis_key_prefix,
            owner=self.id,
            record_seconds=resources.settings.relay_republish_window_seconds,
        )
        self.broker = BrokerWatch(resources, self._publisher, self._streams)

    async def run(self, stop: asyncio.Event) -> None:
        self._publisher.start()
        log.info("relay started", extra={"relay": str(self.id)})
        try:
            await asyncio.gather(
                self._loop("outbox", self.publish_table_batch, stop),
                self._loop("stream", self.publish_stream_batch, stop),
                self._report_pending(stop),
            )
        finally:
            await self.broker.close()
            with contextlib.suppress(Exception):
                await self._streams.resign()
            await self._publisher.close()
            log.info("relay stopped", extra={"relay": str(self.id)})

    async def _loop(self, name: str, one_round: Round, stop: asyncio.Event) -> None:
        async def checked_round() -> float:
            await self.broker.ensure()
            return await one_round()

        def failed(error: Exception, delay: float) -> None:
            # The broker may come back empty (the embedded one keeps nothing): check it
            # again before the next send.
            self.broker.invalidate()
            log.warning(
                "relay round failed; retrying",
                extra={"outbox": name, "error": str(error)[:300], "retry_in_s": delay},
            )

        backoff = Backoff(BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS)
        await repeat(stop, checked_round, backoff=backoff, on_error=failed)

    async def publish_table_batch(self) -> float:
        """One round over the PostgreSQL outbox; returns how long to wait before the next."""
        pool = self._resources.pool
        rows = await repository.claim(
            pool, self.id, limit=self._batch_size, lease_seconds=self._lease_seconds
        )
        if not rows:
            return self._poll_seconds
        messages = [
            Message(
                kafka_topic(self._settings, row.topic),
                row.key,
                orjson.dumps(row.envelope),
                _headers(row.envelope.get("type"), row.envelope.get("event_id")),
            )
            for row in rows
        ]
        results = await self._publisher.publish(messages)
        done, retry = acknowledged_in_key_order([row.key for row in rows], results)
        await repository.mark_published(pool, self.id, [rows[i].id for i in done])
        await repository.release(pool, self.id, [rows[i].id for i in retry])
        self._count(messages, done)
        if retry:
            first = results[retry[0]]
            raise BrokerUnavailable(f"{len(retry)} of {len(rows)} not acknowledged ({first})")
        return 0.0 if len(rows) >= self._batch_size else self._poll_seconds

    async def publish_stream_batch(self) -> float:
        """One round over the Redis streams (one per concert, streams.py), side by side:
        no Kafka key spans two streams, so each keeps its own order."""
        streams = await self._streams.discover()
        outcomes = await asyncio.gather(
            *(self._publish_stream(stream) for stream in streams), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        led = [outcome for outcome in outcomes if outcome is not None]
        if streams and not led:
            return FOLLOWER_WAIT_SECONDS
        return 0.0 if any(led) else self._poll_seconds

    async def _publish_stream(self, stream: StreamOutbox) -> bool | None:
        """One batch of one stream, when this relay holds its reader lease (None if not):
        what a lost broker must get again first (broker_watch.py), then new entries.
        True when it sent something."""
        if not await stream.lead(self._lease_seconds):
            return None
        replay = await stream.republish_batch(self._batch_size)
        if replay is not None:
            done, retry = await self._send_stream(replay.entries)
            if retry:
                raise BrokerUnavailable(f"re-publishing: {retry}")
            await stream.republished(replay)
            return True
        entries = await stream.next_batch(self._batch_size, block_ms=None)
        if not entries:
            return False
        done, retry = await self._send_stream(entries)
        await stream.published([entries[i] for i in done])
        if retry:
            raise BrokerUnavailable(retry)
        return True

    async def _send_stream(self, entries: list[StreamEntry]) -> tuple[list[int], str]:
        """Indexes acknowledged in key order, and what went wrong with the others."""
        messages = [
            Message(
                kafka_topic(self._settings, entry.topic),
                entry.key,
                entry.event,
                _stream_headers(entry.event),
            )
            for entry in entries
        ]
        results = await self._publisher.publish(messages)
        done, retry = acknowledged_in_key_order([entry.key for entry in entries], results)
        self._count(messages, done)
        if not retry:
            return done, ""
        return done, f"{len(retry)} of {len(entries)} not acknowledged ({results[retry[0]]})"

    def _count(self, messages: list[Message], done: list[int]) -> None:
        per_topic: dict[str, int] = {}
        for index in done:
            per_topic[messages[index].topic] = per_topic.get(messages[index].topic, 0) + 1
        for topic, count in per_topic.items():
            metrics.events_published_total.labels(topic).inc(count)

    async def _report_pending(self, stop: asyncio.Event) -> None:
        def failed(error: Exception, _delay: float) -> None:
            log.warning("outbox metrics unavailable", extra={"error": str(error)[:300]})

        # A failed report is tried again at the usual interval: no backoff.
        backoff = Backoff(METRICS_SECONDS, METRICS_SECONDS)
        await repeat(stop, self._report_pending_once, backoff=backoff, on_error=failed)

    async def _report_pending_once(self) -> float:
        table_count, oldest = await repository.pending(self._resources.pool)
        stream_count, stream_age = await self._streams.pending()
        ages = [stream_age or 0.0]
        if oldest is not None:
            ages.append(max(0.0, time.time() - oldest.timestamp()))
        metrics.outbox_pending.set(table_count + stream_count)
        metrics.outbox_oldest_age_seconds.set(max(ages))
        return METRICS_SECONDS


async def run_relay(resources: Resources, stop: asyncio.Event) -> None:
    await Relay(resources).run(stop)
