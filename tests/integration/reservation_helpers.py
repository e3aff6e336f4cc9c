"""Helpers shared by the reservation and payment tests: a seeded schedule, admitted users."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from seatgate.catalog.service import seed
from seatgate.messaging.envelope import Envelope
from seatgate.messaging.schemas import parse_event
from seatgate.queue import admission, service
from seatgate.resources import Resources
from seatgate.users.schemas import CreatedUser
from tests.factories import a_user, auth


@dataclass(frozen=True)
class Hall:
    concert_id: int
    schedule_id: int
    seat_ids: list[int]


@dataclass(frozen=True)
class Guest:
    user: CreatedUser
    queue_token: str

    @property
    def user_id(self) -> int:
        return self.user.user_id

    def headers(self) -> dict[str, str]:
        return {**auth(self.user), "X-Queue-Token": self.queue_token}


async def a_hall(resources: Resources, *, concerts: int = 1, seats: int = 50) -> list[Hall]:
    """`concerts` concerts of one schedule each, seeded through the catalog's own seed."""
    result = await seed(resources.pool, concerts=concerts, schedules=1, seats=seats)
    halls = []
    for schedule in result.schedules:
        seat_ids = await resources.pool.fetch(
            "SELECT id FROM seats WHERE schedule_id = $1 ORDER BY number", schedule.schedule_id
        )
        halls.append(Hall(schedule.concert_id, schedule.schedule_id, [r["id"] for r in seat_ids]))
    return halls


async def admitted_guests(
    resources: Resources, concert_id: int, count: int, *, balance: int = 0
) -> list[Guest]:
    """Users holding ACTIVE queue tokens for the concert, admitted by the real admission tick."""
    guests = await waiting_guests(resources, concert_id, count, balance=balance)
    await admit_everyone(resources, concert_id)
    return guests


async def waiting_guests(
    resources: Resources, concert_id: int, count: int, *, balance: int = 0
) -> list[Guest]:
    """Users whose queue tokens for the concert are WAITING."""
    people = await asyncio.gather(*(a_user(resources, balance=balance) for _ in range(count)))
    tokens = []
    for person in people:
        status, _ = await service.issue_token(
            resources, user_id=person.user_id, concert_id=concert_id
        )
        tokens.append(status.token)
    return [Guest(person, token) for person, token in zip(people, tokens, strict=True)]


async def admit_everyone(resources: Resources, concert_id: int) -> None:
    """Two real admission ticks, at a rate and cap that let the whole line in."""
    generous = dataclasses.replace(
        resources,
        settings=resources.settings.model_copy(
            update={"admission_rate_per_second": 100_000, "max_active_users": 100_000}
        ),
    )
    start = int(time.time() * 1000)
    await admission.admit_concert(generous, concert_id, now_ms=start)  # starts its clock
    await admission.admit_concert(generous, concert_id, now_ms=start + 1000)


async def lapse(resources: Resources, reservation_id: int) -> None:
    """Move a hold's expiry into the past: the test's clock, not the product's."""
    await resources.pool.execute(
        "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1",
        reservation_id,
    )


async def outbox(resources: Resources, *event_types: str) -> list[tuple[str, Envelope]]:
    """(key, envelope) of outbox rows, validated against the documented event schemas."""
    rows = await resources.pool.fetch(
        "SELECT key, topic, envelope FROM outbox WHERE event_type = ANY($1::text[]) ORDER BY id",
        list(event_types),
    )
    found = []
    for row in rows:
        envelope, _ = parse_event(_json(row["envelope"]), topic=row["topic"])
        found.append((row["key"], envelope))
    return found


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


async def seat_consistency(resources: Resources) -> list[str]:
    """Every way seats and reservations disagree; empty when the invariant holds."""
    rows = await resources.pool.fetch(
        """
        SELECT s.id, s.status, s.reservation_id,
               array_agg(r.id ORDER BY r.id) FILTER (WHERE r.status IN ('HELD', 'CONFIRMED'))
                   AS live_ids,
               array_agg(r.status ORDER BY r.id) FILTER (WHERE r.status IN ('HELD', 'CONFIRMED'))
                   AS live_statuses
        FROM seats s LEFT JOIN reservations r ON r.seat_id = s.id
        GROUP BY s.id
        """
    )
    problems = []
    for row in rows:
        live = row["live_ids"] or []
        if row["status"] == "AVAILABLE":
            if live or row["reservation_id"] is not None:
                problems.append(f"seat {row['id']} AVAILABLE but held by {live}")
        elif live != [row["reservation_id"]] or row["live_statuses"] != [row["status"]]:
            problems.append(
                f"seat {row['id']} {row['status']} by {row['reservation_id']}, live: "
                f"{live} {row['live_statuses']}"
            )
    return problems


RICH = 1_000_000


async def hold(client: httpx.AsyncClient, guest: Guest, hall: Hall, seat: int = 0) -> Any:
    response = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[seat]},
        headers=guest.headers(),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def pay(
    client: httpx.AsyncClient, guest: Guest, reservation_id: int, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/payments",
        json={"reservation_id": reservation_id},
        headers={**guest.headers(), **headers},
    )


async def balance(client: httpx.AsyncClient, guest: Guest) -> int:
    response = await client.get("/api/v1/users/me/balance", headers=auth(guest.user))
    return int(response.json()["balance"])


async def buyers_hold_and_pay(
    client: httpx.AsyncClient, resources: Resources, *, buyers: int, seats: int | None = None
) -> tuple[Hall, list[dict[str, Any]]]:
    """`buyers` admitted users each hold a seat of a new hall and pay for it over HTTP;
    every answer must be 201. The hall and the payments' bodies."""
    [hall] = await a_hall(resources, seats=seats or buyers)
    guests = await admitted_guests(resources, hall.concert_id, buyers, balance=RICH)
    payments = []
    for seat, guest in enumerate(guests):
        held = await hold(client, guest, hall, seat=seat)
        paid = await pay(client, guest, held["reservation_id"])
        assert paid.status_code == 201, paid.text
        payments.append(paid.json())
    return hall, payments
