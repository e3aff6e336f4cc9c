"""Kafka client configuration, built from settings only (no address is written in code)."""

from __future__ import annotations

import logging
from typing import Any

from seatgate.messaging.envelope import DLQ_SUFFIX
from seatgate.settings import Settings

_client_log = logging.getLogger("seatgate.kafka.client")

# A message not acknowledged within this long fails back to the relay, which releases its
# rows and retries later; it must stay well below the outbox lease (relay.LEASE_SECONDS).
MESSAGE_TIMEOUT_MS = 5_000


def _bootstrap(settings: Settings) -> str:
    if settings.kafka_bootstrap_servers is None:
        raise RuntimeError(
            "SEATGATE_KAFKA_BOOTSTRAP_SERVERS is not set; fix: set host:port of the Kafka broker"
        )
    return settings.kafka_bootstrap_servers


def common_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap.servers": _bootstrap(settings),
        "socket.connection.setup.timeout.ms": int(settings.connect_timeout_seconds * 1000),
        "reconnect.backoff.max.ms": 2000,
        "log.connection.close": False,
        "logger": _client_log,
    }


def producer_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    """Idempotent, acks=all: a retried send never duplicates or reorders within a partition."""
    return {
        **common_config(settings),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": MESSAGE_TIMEOUT_MS,
        # Java clients' partitioner, so every client maps a key to the same partition.
        "partitioner": "murmur2_random",
        "compression.type": "lz4",
        **extra,
    }


def consumer_config(settings: Settings, group: str, **extra: Any) -> dict[str, Any]:
    """Offsets are committed by hand, after the effect is committed in PostgreSQL."""
    return {
        **common_config(settings),
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": settings.kafka_session_timeout_ms,
        "heartbeat.interval.ms": max(1000, settings.kafka_session_timeout_ms // 3),
        "max.poll.interval.ms": max(60_000, settings.kafka_session_timeout_ms),
        "topic.metadata.refresh.interval.ms": 5000,
        **extra,
    }


def admin_config(settings: Settings) -> dict[str, Any]:
    return common_config(settings)


def kafka_topic(settings: Settings, topic: str) -> str:
    """The broker-side name of a logical topic (`seatgate.reservations.v1`)."""
    return settings.kafka_topic_prefix + topic


def logical_topic(settings: Settings, kafka_name: str) -> str:
    return kafka_name.removeprefix(settings.kafka_topic_prefix)


def dlq_topic(kafka_name: str) -> str:
    return kafka_name + DLQ_SUFFIX
