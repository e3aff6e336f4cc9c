"""Committed offsets that know which incarnation of a topic they belong to.

A broker that loses its state (the embedded one keeps nothing across a restart)
recreates the topics with offsets from 0. A commit still in flight when it went
down can land on the new broker and point past messages the consumer never saw.
So every commit carries the topic's id (KIP-516; a recreated topic gets a new one)
as its metadata, and on assignment a committed offset is used only if its id is the
topic's current one; otherwise the partition is read from the beginning, and the
consumer's dedupe on event_id skips what it already applied. A consumer that stays
assigned across the restart checks the ids every few seconds (and as soon as it
saw all brokers down) and rewinds a recreated topic the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicCollection, TopicPartition
from confluent_kafka.admin import AdminClient

from seatgate.messaging.kafka import admin_config
from seatgate.settings import Settings

log = logging.getLogger("seatgate.consumer")


def topic_ids(settings: Settings, topics: list[str]) -> dict[str, str]:
    """The current id of each topic (blocking)."""
    admin = AdminClient(admin_config(settings))
    futures = admin.describe_topics(
        TopicCollection(topics), request_timeout=settings.connect_timeout_seconds
    )
    return {
        name: str(future.result(settings.connect_timeout_seconds).topic_id)
        for name, future in futures.items()
    }


class IncarnationOffsets:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ids: dict[str, str] = {}

    def on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        """Rebalance callback: start each partition where this topic's own commit says."""
        try:
            self._ids = topic_ids(self._settings, sorted({p.topic for p in partitions}))
        except Exception as error:
            # Unknown ids make every commit look stale: reading again is safe, skipping is not.
            log.warning("topic ids unavailable", extra={"error": str(error)[:300]})
            self._ids = {}
        committed = consumer.committed(partitions, timeout=self._settings.connect_timeout_seconds)
        for partition, commit in zip(partitions, committed, strict=True):
            current = self._ids.get(partition.topic)
            if commit.offset >= 0 and current is not None and commit.metadata == current:
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

    def rewind_recreated(self, consumer: Any) -> bool:
        """Read again from the start the assigned topics that were recreated since the
        assignment; False when the broker could not be asked (try again soon). Blocking."""
        assigned = consumer.assignment()
        if not assigned:
            return True
        try:
            current = topic_ids(self._settings, sorted({p.topic for p in assigned}))
        except Exception:
            return False
        for partition in assigned:
            known = self._ids.get(partition.topic)
            if known is not None and known != current.get(partition.topic):
                log.warning(
                    "topic was recreated; reading it from the start",
                    extra={"topic": partition.topic, "partition": partition.partition},
                )
                consumer.seek(
                    TopicPartition(partition.topic, partition.partition, OFFSET_BEGINNING)
                )
        self._ids.update(current)
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
