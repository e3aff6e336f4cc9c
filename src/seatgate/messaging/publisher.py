"""An asyncio face on confluent-kafka's idempotent producer.

`produce()` only queues (microseconds, safe on the event loop); a thread serves
delivery reports and resolves one future per message. After any failed send or
fatal error — the embedded broker loses its producer ids on restart
(UnknownProducerId) — the producer is replaced by a new one before the next send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from seatgate.messaging.kafka import MESSAGE_TIMEOUT_MS, producer_config
from seatgate.settings import Settings

log = logging.getLogger("seatgate.publisher")

# Delivery reports arrive within message.timeout.ms; past this the producer is presumed
# stuck and replaced (its messages count as failed and are sent again).
REPORT_GRACE_SECONDS = MESSAGE_TIMEOUT_MS / 1000 + 5


@dataclass(frozen=True)
class Message:
    topic: str
    key: str
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class Publisher:
    def __init__(self, settings: Settings, **config: Any) -> None:
        self._settings = settings
        self._config = config
        self._producer: Any = None
        self._poller: threading.Thread | None = None
        self._stop_polling = threading.Event()
        self._fatal = False
        self.replaced = 0
        # Set from librdkafka's thread when no broker answers: the one that comes back
        # may have lost what it acknowledged (the relay's BrokerWatch checks, then clears).
        self.brokers_lost = False

    def start(self) -> None:
        self._fatal = False
        self._stop_polling = threading.Event()
        self._producer = Producer(
            producer_config(self._settings, error_cb=self._on_error, **self._config)
        )
        self._poller = threading.Thread(
            target=self._poll, args=(self._producer, self._stop_polling), daemon=True
        )
        self._poller.start()

    def _poll(self, producer: Any, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                producer.poll(0.1)
            except KafkaException as error:
                # A fatal error (a broker that came back without our producer id) is raised
                # here too. Uncaught it ended this thread, and with it every delivery report:
                # sends then timed out one by one. Mark the producer for replacement instead.
                if not self._fatal:
                    log.warning(
                        "producer fatal error; it will be replaced", extra={"error": str(error)}
                    )
                self._fatal = True
                stop.wait(0.1)

    def _on_error(self, error: KafkaError) -> None:
        if error.fatal():
            self._fatal = True
            log.warning("producer fatal error; it will be replaced", extra={"error": str(error)})
        elif error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.brokers_lost = True
        else:
            log.debug("producer error", extra={"error": str(error)})

    async def publish(self, messages: list[Message]) -> list[Exception | None]:
        """Send and wait for every delivery report: None = acknowledged, else the error."""
        if self._fatal:
            await self.replace()
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in messages]
        for message, future in zip(messages, futures, strict=True):
            await self._produce(message, self._reporter(loop, future))
        done, _ = await asyncio.wait(futures, timeout=REPORT_GRACE_SECONDS)
        results: list[Exception | None] = []
        for future in futures:
            if future in done:
                results.append(future.result())
            else:
                results.append(TimeoutError("no delivery report"))
        if self._fatal or any(result is not None for result in results):
            # After a failed send an idempotent producer may keep waiting on sequence
            # numbers that a restarted broker no longer knows (measured here: it times
            # out forever without a fatal error). A fresh one costs milliseconds.
            await self.replace()
        return results

    def _reporter(
        self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Exception | None]
    ) -> Callable[[KafkaError | None, Any], None]:
        def report(error: KafkaError | None, _message: Any) -> None:
            if error is not None and error.fatal():
                self._fatal = True
            outcome = None if error is None else KafkaException(error)
            loop.call_soon_threadsafe(_settle, future, outcome)

        return report

    async def _produce(self, message: Message, report: Callable[..., None]) -> None:
        while True:
            try:
                self._producer.produce(
                    message.topic,
                    value=message.value,
                    key=message.key.encode(),
                    headers=message.headers,
                    on_delivery=report,
                )
                return
            except BufferError:
                # Local queue full: the poller drains it as reports come back.
                await asyncio.sleep(0.01)

    async def replace(self) -> None:
        """Drop the producer (and whatever it still holds) and start a fresh one."""
        old, poller, stop = self._producer, self._poller, self._stop_polling
        self.start()
        self.replaced += 1
        log.info("producer replaced", extra={"replaced": self.replaced})
        await asyncio.to_thread(_discard, old, poller, stop)

    async def close(self, timeout: float = 5.0) -> None:
        if self._producer is None:
            return
        producer, poller, stop = self._producer, self._poller, self._stop_polling
        self._producer = None
        await asyncio.to_thread(producer.flush, timeout)
        await asyncio.to_thread(_discard, producer, poller, stop)


def _settle(future: asyncio.Future[Exception | None], outcome: Exception | None) -> None:
    if not future.done():
        future.set_result(outcome)


def _discard(producer: Any, poller: threading.Thread | None, stop: threading.Event) -> None:
    with contextlib.suppress(KafkaException, RuntimeError):
        producer.purge()
        producer.flush(0)
    stop.set()
    if poller is not None:
        poller.join(5)
