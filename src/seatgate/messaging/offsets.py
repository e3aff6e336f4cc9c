"""The topic incarnations a consumer reads, and offsets that know which one they belong to.

A broker that loses its state (the embedded one keeps nothing across a restart)
recreates the topics with offsets from 0. Two things then go wrong inside a consumer
that lived through it, and neither can be repaired in place:

- positions and commits from before point past messages of the new topic that were
  never read (a commit still in flight can even land on the new broker);
- the group rejoins as soon as the broker answers, possibly before every topic is
  back: librdkafka then assigns none of a missing topic's partitions and, still
  knowing the topic from before, never rebalances when it reappears (seen in the
  broker-restart fault test: 5 PaymentCompleted events sat on the broker unread).

So a consumer records the id (KIP-516; a recreated topic gets a new one) of each topic
it subscribes to when it opens, stamps every commit with it, and trusts a committed
offset only if it carries the same id. It compares the ids with the broker's every few
seconds, and as soon as it saw every broker down; when one changed or a topic is gone,
the consumer is closed and opened again. Reading again from the start is safe, since
consumers dedupe on event_id; skipping is not.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    KafkaError,
    KafkaException,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from seatgate.messaging.kafka import admin_config
from seatgate.settings import Settings

log = logging.getLogger("seatgate.consumer")


class TopicsRecreated(Exception):
    """A subscribed topic is not the one the consumer opened on: open it again."""


def topic_ids(settings: Settings, topics: list[str]) -> dict[str, str | None]:
    """The current id of each topic, None for one the broker does not have (blocking).
    Raises when the broker cannot be asked."""
    admin = AdminClient(admin_config(settings))
    futures = admin.describe_topics(
        TopicCollection(topics), request_timeout=settings.connect_timeout_seconds
    )
    ids: dict[str, str | None] = {}
    for name, future in futures.items():
        try:
            ids[name] = str(future.result(settings.connect_timeout_seconds).topic_id)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise
            ids[name] = None
    return ids


class Incarnations:
    """The ids of the topics one consumer subscribed to, as they were when it opened."""

    def __init__(self, settings: Settings, topics: list[str]) -> None:
        self._settings = settings
        self.topics = topics
        self._ids: dict[str, str] = {}

    def record(self) -> None:
        """At open, after the topics were created (blocking). Raises if one is missing."""
        ids = topic_ids(self._settings, self.topics)
        missing = sorted(topic for topic, topic_id in ids.items() if topic_id is None)
        if missing:
            raise RuntimeError(f"topics not found right after creating them: {missing}")
        self._ids = {topic: topic_id for topic, topic_id in ids.items() if topic_id is not None}

    def on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        """Rebalance callback: start each partition where a commit of this incarnation says,
        else from the beginning."""
        committed = (
            consumer.committed(partitions, timeout=self._settings.connect_timeout_seconds)
            if partitions
            else []
        )
        for partition, commit in zip(partitions, committed, strict=True):
            if commit.offset >= 0 and commit.metadata == self._ids.get(partition.topic):
                partition.offset = commit.offset
            else:
                if commit.offset >= 0:
                    log.warning(
                        "commit of another topic incarnation ignored; reading from the start",
                        extra={"topic": partition.topic, "partition": partition.partition},
                    )
                partition.offset = OFFSET_BEGINNING
        consumer.assign(partitions)
        log.info(
            "partitions assigned",
            extra={"partitions": [f"{p.topic}[{p.partition}]@{p.offset}" for p in partitions]},
        )

    def check(self) -> bool:
        """Raise TopicsRecreated if a topic was recreated or is gone since the open; False
        when the broker could not be asked (try again soon). Blocking."""
        try:
            current = topic_ids(self._settings, self.topics)
        except Exception:
            return False
        changed = sorted(topic for topic in self.topics if current.get(topic) != self._ids[topic])
        if changed:
            raise TopicsRecreated(", ".join(changed))
        return True

    def next_offsets(self, batch: list[Any]) -> list[TopicPartition]:
        """The offsets to commit after `batch`, stamped with their topic's id."""
        highest: dict[tuple[str, int], int] = {}
        for message in batch:
            place = (message.topic(), message.partition())
            highest[place] = max(highest.get(place, -1), message.offset())
        return [
            TopicPartition(topic, part, offset + 1, metadata=self._ids.get(topic))
            for (topic, part), offset in highest.items()
        ]
