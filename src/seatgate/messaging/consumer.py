"""Idempotent consumers: dedupe on event_id in the transaction of the effect, commit
offsets only after it, retry what fails, and park what keeps failing in `<topic>.dlq`.

A batch is applied in one transaction; if it fails for a reason other than the
database being unreachable, its events are retried one by one so that only the
poison one ends in the DLQ. Database outages are waited out, never dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from seatgate.db.executor import Executor
from seatgate.messaging import repository
from seatgate.messaging.envelope import Envelope, Event
from seatgate.messaging.kafka import consumer_config, dlq_topic, kafka_topic, logical_topic
from seatgate.messaging.lag import report_lag
from seatgate.messaging.offsets import Incarnations, TopicsRecreated
from seatgate.messaging.publisher import Message, Publisher
from seatgate.messaging.schemas import InvalidEvent, parse_event
from seatgate.messaging.topics import ensure_topics
from seatgate.observability.metrics import dlq_messages_total
from seatgate.resources import Resources
from seatgate.worker_runner import Backoff, sleep_or_stop

log = logging.getLogger("seatgate.consumer")

BATCH_SIZE = 500
POLL_SECONDS = 0.5
CHECK_SECONDS = 5.0
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 5.0
# The database being unreachable is not the message's fault: wait, never dead-letter.
UNAVAILABLE = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ConnectionFailureError,
    asyncpg.AdminShutdownError,
)


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]

    async def apply(self, conn: Executor, events: list[tuple[Envelope, Event]]) -> None: ...


@dataclass(frozen=True)
class Item:
    message: Any
    envelope: Envelope
    data: Event


class Stopped(Exception):
    """The worker was asked to stop while it waited; offsets stay uncommitted."""


class EventConsumer:
    def __init__(self, resources: Resources, projection: Projection, *, group: str = "") -> None:
        self._resources = resources
        self._settings = resources.settings
        self._projection = projection
        # Environments sharing a cluster (SEATGATE_KAFKA_TOPIC_PREFIX) share no group either:
        # one group over both would rebalance them against each other.
        self.group = group or f"{self._settings.kafka_topic_prefix}seatgate-{projection.name}"
        self._dead_letters = Publisher(resources.settings)
        self._broker_lost = False
        self._lost_at: float | None = None  # when every broker went away, if since the open
        self._assigned_at = 0.0
        self._recreated_at: float | None = None
        self._stop = asyncio.Event()
        self._topics = [kafka_topic(self._settings, topic) for topic in projection.topics]
        self._incarnations = Incarnations(self._settings, self._topics)
        self.handled = 0  # messages taken care of (applied, duplicate or parked)
        self.assignments = 0  # rebalances served: each gives this consumer its partitions

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        self._dead_letters.start()
        try:
            with contextlib.suppress(Stopped):
                await self._run()
        finally:
            await self._dead_letters.close()

    async def _run(self) -> None:
        backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        while not self._stop.is_set():
            try:
                consumer = await asyncio.to_thread(self._open)
            except Exception as error:
                log.warning("consumer cannot start", extra={"error": str(error)[:300]})
                await self._sleep(backoff.next())
                continue
            backoff.reset()
            log.info("consumer subscribed", extra={"group": self.group})
            try:
                await self._consume(consumer)
            except Stopped:
                raise
            except TopicsRecreated as recreated:
                # Positions, commits and the group's assignment all belong to the old
                # topics (offsets.py): a new consumer starts from what is there now.
                log.warning(
                    "topics recreated; opening the consumer again",
                    extra={"group": self.group, "topics": str(recreated)},
                )
            except Exception:
                log.exception("consumer failed; reopening", extra={"group": self.group})
                await self._sleep(1.0)
            finally:
                await asyncio.to_thread(_close, consumer)
                log.info("consumer closed", extra={"group": self.group})

    def _open(self) -> Any:
        ensure_topics(self._settings)
        incarnations = Incarnations(self._settings, self._topics)
        incarnations.record()
        consumer = Consumer(consumer_config(self._settings, self.group, error_cb=self._on_error))
        self._incarnations = incarnations
        self._broker_lost = False
        self._lost_at = self._recreated_at = None
        consumer.subscribe(self._topics, on_assign=self._on_assign)
        return consumer

    def _on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self._incarnations.on_assign(consumer, partitions)
        self._assigned_at = time.monotonic()
        self.assignments += 1

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self._broker_lost = True
            if self._lost_at is None or self._lost_at < self._assigned_at:
                self._lost_at = time.monotonic()

    async def _consume(self, consumer: Any) -> None:
        next_check = 0.0
        while not self._stop.is_set():
            messages = await asyncio.to_thread(consumer.consume, BATCH_SIZE, POLL_SECONDS)
            batch = [message for message in messages if message.error() is None]
            for message in messages:
                if message.error() is not None and not _harmless(message.error()):
                    log.warning("consume error", extra={"error": str(message.error())})
            if batch:
                await self._handle(batch)
                offsets = self._incarnations.next_offsets(batch)
                await asyncio.to_thread(_commit, consumer, offsets)
                self.handled += len(batch)
            if self._broker_lost or time.monotonic() >= next_check:
                # The broker may have come back empty (offsets.py): until it answers, ask
                # again on every round.
                next_check = time.monotonic() + CHECK_SECONDS
                self._broker_lost = not await self._check_topics()
                await asyncio.to_thread(report_lag, consumer, self.group, self._topics)

    async def _check_topics(self) -> bool:
        """False when the broker could not be asked, or the consumer should wait before it
        opens again; raises TopicsRecreated when it should open again now."""
        try:
            return await asyncio.to_thread(self._incarnations.check)
        except TopicsRecreated:
            # Right after the broker came back, the group is being joined again; a member
            # closed in the middle of that stays in the group on the embedded broker, as
            # its leader, and no one else is ever assigned anything. So leave only once
            # the join is done (or has clearly failed).
            now = time.monotonic()
            self._recreated_at = self._recreated_at or now
            rejoining = self._lost_at is not None and self._assigned_at < self._lost_at
            grace = 2 * self._settings.kafka_session_timeout_ms / 1000
            if rejoining and now - self._recreated_at < grace:
                return False
            raise

    async def _handle(self, batch: list[Any]) -> None:
        items: list[Item] = []
        for message in batch:
            try:
                topic = logical_topic(self._settings, message.topic())
                envelope, data = parse_event(message.value() or b"", topic=topic)
            except InvalidEvent as error:
                await self._dead_letter(message, f"invalid: {error}", attempts=1)
                continue
            items.append(Item(message, envelope, data))
        if not items:
            return
        if await self._apply(items, attempts=1):
            return
        for item in items:
            await self._apply(
                [item], attempts=self._settings.consumer_max_attempts, dead_letter=True
            )

    async def _apply(self, items: list[Item], *, attempts: int, dead_letter: bool = False) -> bool:
        """Apply once per attempt; True when done (applied, or parked in the DLQ)."""
        attempt = 0
        backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        while True:
            try:
                await self._transaction(items)
                return True
            except UNAVAILABLE as error:
                log.warning("database unavailable; waiting", extra={"error": str(error)[:300]})
            except Exception as error:
                attempt += 1
                if attempt >= attempts:
                    if not dead_letter:
                        return False
                    reason = f"{type(error).__name__}: {error}"
                    await self._dead_letter(items[0].message, reason, attempts=attempt)
                    return True
                log.warning(
                    "event failed; retrying",
                    extra={"event_id": str(items[0].envelope.event_id), "attempt": attempt},
                )
            await self._sleep(backoff.next())

    async def _transaction(self, items: list[Item]) -> None:
        async with self._resources.pool.acquire() as conn, conn.transaction():
            fresh = await repository.remember_processed(
                conn, self._projection.name, [item.envelope.event_id for item in items]
            )
            events: list[tuple[Envelope, Event]] = []
            for item in items:
                if item.envelope.event_id in fresh:
                    fresh.discard(item.envelope.event_id)  # a duplicate in the same batch
                    events.append((item.envelope, item.data))
            if events:
                await self._projection.apply(conn, events)

    async def _dead_letter(self, message: Any, reason: str, *, attempts: int) -> None:
        headers = [
            *(message.headers() or []),
            ("dlq.original.topic", message.topic().encode()),
            ("dlq.original.partition", str(message.partition()).encode()),
            ("dlq.original.offset", str(message.offset()).encode()),
            ("dlq.consumer", self._projection.name.encode()),
            ("dlq.attempts", str(attempts).encode()),
            ("dlq.error", reason[:2000].encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        key = message.key()
        parked = Message(
            dlq_topic(message.topic()), key.decode() if key else "", message.value() or b"", headers
        )
        (error,) = await self._dead_letters.publish([parked])
        if error is not None:
            raise error  # not committed: the message comes back after the reopen
        dlq_messages_total.labels(parked.topic).inc()
        log.error(
            "event parked in the DLQ",
            extra={"topic": parked.topic, "offset": message.offset(), "error": reason[:300]},
        )

    async def _sleep(self, seconds: float) -> None:
        if await sleep_or_stop(self._stop, seconds):
            raise Stopped


def _harmless(error: KafkaError) -> bool:
    return error.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART)


def _commit(consumer: Any, offsets: list[TopicPartition]) -> None:
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
    except KafkaException as error:
        # A rebalance took the partition: its new owner gets these again and dedupes them.
        log.warning("offset commit failed", extra={"error": str(error)})


def _close(consumer: Any) -> None:
    with contextlib.suppress(Exception):
        consumer.close()


async def run_consumers(resources: Resources, stop: asyncio.Event) -> None:
    """Every consumer seatgate runs (today: the sales projection)."""
    from seatgate.messaging.projection import SalesProjection

    await EventConsumer(resources, SalesProjection()).run(stop)
