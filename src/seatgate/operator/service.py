"""The operator's live view of every sale: the console at /ops and scripts read it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from seatgate.operator import alerts, repository
from seatgate.operator.schemas import ConcertFigures, Overview
from seatgate.resources import Resources

# Concerts without a waiting room shown after those with one; the load-test seed has
# thousands, and an operator watches the few on sale.
MAX_IDLE_CONCERTS = 10


async def overview(resources: Resources) -> Overview:
    settings = resources.settings
    queued = await repository.queued_concerts(resources)
    pool = resources.pool
    concerts = await repository.concerts(pool, queued=queued, limit=MAX_IDLE_CONCERTS)
    ids = [concert_id for concert_id, _ in concerts]
    (sales, seats, outbox, firing), lines = await asyncio.gather(
        asyncio.gather(
            repository.sales(pool, ids),
            repository.seats(pool, ids),
            repository.outbox(pool),
            alerts.firing(settings.alertmanager_url),
        ),
        asyncio.gather(*(repository.line(resources, concert_id) for concert_id in ids)),
    )
    figures = []
    for (concert_id, title), line in zip(concerts, lines, strict=True):
        sold = sales.get(concert_id, repository.Sales())
        room = seats.get(concert_id, repository.Seats())
        figures.append(
            ConcertFigures(
                concert_id=concert_id,
                title=title,
                waiting=line.waiting,
                active=line.active,
                admission_rate_configured=settings.admission_rate_per_second,
                admission_rate_measured=line.measured_rate,
                seats_total=room.total,
                seats_available=room.available,
                holds=sold.holds,
                sales=sold.sales,
                revenue=sold.revenue,
            )
        )
    gauges = repository.samples()
    lag = gauges.get("seatgate_consumer_lag")
    return Overview(
        at=datetime.now(UTC),
        concerts=figures,
        outbox_pending=outbox[0],
        outbox_oldest_age_seconds=outbox[1],
        consumer_lag=None if lag is None else int(lag),
        eta_accuracy=repository.histogram_mean(gauges, "seatgate_queue_eta_accuracy"),
        alerts=firing,
    )
