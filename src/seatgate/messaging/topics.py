"""Topic creation: every topic and its `.dlq`, with the configured partitions.

Run at relay start-up and again whenever the relay suspects the broker lost its
state (the embedded broker keeps topics in memory only).
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from seatgate.messaging.envelope import TOPICS
from seatgate.messaging.kafka import admin_config, dlq_topic, kafka_topic
from seatgate.settings import Settings

log = logging.getLogger("seatgate.topics")


def all_topics(settings: Settings) -> list[str]:
    names = [kafka_topic(settings, topic) for topic in TOPICS]
    return names + [dlq_topic(name) for name in names]


def ensure_topics(settings: Settings, timeout: float | None = None) -> list[str]:
    """Create the missing topics; return their names. Blocking: call it in a thread."""
    timeout = timeout or settings.connect_timeout_seconds
    admin = AdminClient(admin_config(settings))
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [name for name in all_topics(settings) if name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                name,
                num_partitions=settings.kafka_topic_partitions,
                replication_factor=settings.kafka_topic_replication,
            )
            for name in missing
        ],
        operation_timeout=timeout,
        request_timeout=timeout,
    )
    for future in futures.values():
        try:
            future.result(timeout)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    log.info("topics created", extra={"topics": missing})
    return missing
