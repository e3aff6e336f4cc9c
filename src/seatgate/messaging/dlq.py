"""`seatgate dlq replay`: put dead-lettered messages back on the topic they came from.

Run it after fixing what made them fail; the consumer's dedupe on event_id makes a
replay of something already applied harmless.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from seatgate.messaging.envelope import DLQ_SUFFIX, TOPICS
from seatgate.messaging.kafka import consumer_config, dlq_topic, kafka_topic, producer_config
from seatgate.settings import Settings

log = logging.getLogger("seatgate.dlq")

REPLAY_GROUP = "seatgate-dlq-replay"
ORIGINAL_TOPIC_HEADER = "dlq.original.topic"


class ReplayError(Exception):
    """A replayed message was not acknowledged; nothing after it was committed."""


def topic_choice(value: str | None) -> list[str]:
    """The logical topics a `--topic` value names (its DLQ name is accepted too)."""
    if value is None:
        return list(TOPICS)
    topic = value.removesuffix(DLQ_SUFFIX)
    if topic not in TOPICS:
        raise ValueError(f"--topic {value!r} is not one of {', '.join(TOPICS)}")
    return [topic]


def replay(settings: Settings, *, topics: list[str], limit: int | None = None) -> int:
    """Move up to `limit` DLQ messages back; returns how many. Blocking."""
    consumer = Consumer(consumer_config(settings, REPLAY_GROUP))
    consumer.subscribe([dlq_topic(kafka_topic(settings, topic)) for topic in topics])
    producer = Producer(producer_config(settings))
    deadline = time.monotonic() + settings.kafka_session_timeout_ms / 1000 * 2 + 5
    replayed = 0
    try:
        while limit is None or replayed < limit:
            wanted = 500 if limit is None else min(500, limit - replayed)
            messages = [m for m in consumer.consume(wanted, 1.0) if m.error() is None]
            if not messages:
                if _caught_up(consumer) or time.monotonic() > deadline:
                    break
                continue
            _send_back(producer, messages)
            consumer.commit(offsets=_next_offsets(messages), asynchronous=False)
            replayed += len(messages)
    finally:
        consumer.close()
    return replayed


def _send_back(producer: Any, messages: list[Any]) -> None:
    failures: list[KafkaError] = []

    def report(error: KafkaError | None, _message: Any) -> None:
        if error is not None:
            failures.append(error)

    for message in messages:
        headers = dict(message.headers() or [])
        original = headers.get(ORIGINAL_TOPIC_HEADER)
        target = original.decode() if original else message.topic().removesuffix(DLQ_SUFFIX)
        kept = [(name, value) for name, value in headers.items() if not name.startswith("dlq.")]
        producer.produce(
            target,
            value=message.value(),
            key=message.key(),
            headers=[*kept, ("dlq.replayed_from", message.topic().encode())],
            on_delivery=report,
        )
    remaining = producer.flush(30)
    if failures or remaining:
        raise ReplayError(
            f"{len(failures) + remaining} message(s) not acknowledged: {failures[:1]}"
        )


def _next_offsets(messages: list[Any]) -> list[TopicPartition]:
    highest: dict[tuple[str, int], int] = {}
    for message in messages:
        place = (message.topic(), message.partition())
        highest[place] = max(highest.get(place, -1), message.offset())
    return [TopicPartition(topic, part, offset + 1) for (topic, part), offset in highest.items()]


def _caught_up(consumer: Any) -> bool:
    assigned = consumer.assignment()
    if not assigned:
        return False
    for partition in consumer.position(assigned):
        low, high = consumer.get_watermark_offsets(partition, timeout=5.0, cached=False)
        if high > low and max(partition.offset, low) < high:
            return False
    return True
