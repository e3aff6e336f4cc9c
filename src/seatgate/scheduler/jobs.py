"""The periodic jobs the scheduler runs; each feature contributes its own."""

from __future__ import annotations

from seatgate.idempotency import service as idempotency
from seatgate.messaging import repository as outbox
from seatgate.queue import admission, sale
from seatgate.reservations import service as reservations
from seatgate.resources import Resources
from seatgate.settings import Settings
from seatgate.worker_runner import Job

HOLD_EXPIRY_SECONDS = 1.0
INVENTORY_SECONDS = 1.0
IDEMPOTENCY_PRUNE_SECONDS = 60.0
OUTBOX_CLEANUP_SECONDS = 60.0


async def _expire_holds(resources: Resources) -> int:
    return await reservations.expire_holds(resources.pool)


async def _prune_idempotency_keys(resources: Resources) -> int:
    return await idempotency.prune(resources.pool)


async def _delete_published_events(resources: Resources) -> int:
    """Published outbox rows older than `outbox_retention_seconds` go, a batch a minute."""
    return await outbox.delete_published(
        resources.pool, older_than_seconds=resources.settings.outbox_retention_seconds
    )


def scheduler_jobs(settings: Settings) -> list[Job]:
    tick = settings.scheduler_tick_seconds
    return [
        # The opening's shuffle first: nobody is admitted before it.
        Job("queue-opening", tick, sale.open_due_sales),
        # Expiry next: slots freed by expired ACTIVE tokens are admitted in the same tick.
        Job("queue-expiry", tick, admission.expire),
        Job("queue-admission", tick, admission.admit),
        Job("hold-expiry", HOLD_EXPIRY_SECONDS, _expire_holds),
        # What is left to sell: SOLD_OUT stops admission, a lapsed hold resumes it.
        Job("queue-inventory", INVENTORY_SECONDS, sale.refresh_inventory),
        Job("idempotency-prune", IDEMPOTENCY_PRUNE_SECONDS, _prune_idempotency_keys),
        Job("outbox-cleanup", OUTBOX_CLEANUP_SECONDS, _delete_published_events),
    ]
