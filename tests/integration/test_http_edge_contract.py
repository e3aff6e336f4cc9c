"""Small HTTP contract items: a 405 names every method of its path; a JSON number with a
zero fraction is an integer in a request body."""

from __future__ import annotations

import httpx
import pytest

from seatgate.resources import Resources
from tests.http_helpers import assert_problem
from tests.integration.reservation_helpers import a_hall, admitted_guests


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/queue/tokens/current", "DELETE, GET"),  # said "GET" only
        ("PATCH", "/api/v1/queue/tokens", "POST"),
        ("DELETE", "/api/v1/reservations/5", "GET"),
        ("POST", "/api/v1/schedules/7/seats", "GET"),
    ],
)
async def test_a_405_allows_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == allowed


async def test_a_hold_and_its_payment_take_integral_floats(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    (hall,) = await a_hall(clean, seats=2)
    (guest,) = await admitted_guests(clean, hall.concert_id, 1, balance=1_000_000)
    held = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": float(hall.schedule_id), "seat_id": float(hall.seat_ids[0])},
        headers=guest.headers(),
    )
    assert held.status_code == 201, held.text
    assert held.json()["seat_id"] == hall.seat_ids[0]
    paid = await client.post(
        "/api/v1/payments",
        json={"reservation_id": float(held.json()["reservation_id"])},
        headers=guest.headers(),
    )
    assert paid.status_code == 201, paid.text


async def test_a_fractional_id_is_still_422(client: httpx.AsyncClient, clean: Resources) -> None:
    (hall,) = await a_hall(clean, seats=2)
    (guest,) = await admitted_guests(clean, hall.concert_id, 1)
    response = await client.post(
        "/api/v1/reservations",
        json={"schedule_id": hall.schedule_id, "seat_id": hall.seat_ids[0] + 0.5},
        headers=guest.headers(),
    )
    assert_problem(response, 422, "VALIDATION_ERROR")
