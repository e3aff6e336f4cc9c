"""GET /api/v1/ops/overview: behind the operator token, and its figures are the sale's."""

from __future__ import annotations

import httpx

from seatgate.resources import Resources
from seatgate.settings import DEV_OPERATOR_TOKEN
from tests.http_helpers import assert_problem
from tests.integration.reservation_helpers import (
    RICH,
    a_hall,
    admitted_guests,
    hold,
    pay,
    waiting_guests,
)

OPERATOR = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}


async def test_the_overview_needs_the_operator_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/ops/overview"), 401, "UNAUTHENTICATED")
    wrong = {"Authorization": "Bearer not-it"}
    assert_problem(await client.get("/api/v1/ops/overview", headers=wrong), 401, "UNAUTHENTICATED")
    odd = {"Authorization": f"Basic {DEV_OPERATOR_TOKEN}"}
    assert_problem(await client.get("/api/v1/ops/overview", headers=odd), 401, "UNAUTHENTICATED")
    assert (await client.get("/api/v1/ops/overview", headers=OPERATOR)).status_code == 200


async def test_the_overview_counts_the_line_holds_sales_and_revenue(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    hall, other = await a_hall(clean, concerts=2, seats=5)
    buyers = await admitted_guests(clean, hall.concert_id, 2, balance=RICH)
    await waiting_guests(clean, hall.concert_id, 3)
    kept = await hold(client, buyers[0], hall, seat=0)
    sold = await hold(client, buyers[1], hall, seat=1)
    assert (await pay(client, buyers[1], sold["reservation_id"])).status_code == 201

    answer = await client.get("/api/v1/ops/overview", headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    figures = {concert["concert_id"]: concert for concert in body["concerts"]}
    sale = figures[hall.concert_id]
    # The buyer who paid spent their token; the one holding is still ACTIVE.
    assert (sale["waiting"], sale["active"]) == (3, 1)
    assert (sale["holds"], sale["sales"], sale["revenue"]) == (1, 1, sold["price"])
    assert (sale["seats_total"], sale["seats_available"]) == (5, 3)
    assert sale["admission_rate_configured"] == clean.settings.admission_rate_per_second
    assert kept["reservation_id"] != sold["reservation_id"]
    idle = figures[other.concert_id]
    assert (idle["waiting"], idle["active"], idle["sales"], idle["seats_available"]) == (0, 0, 0, 5)
    assert body["outbox_pending"] >= 1  # no relay runs here: the events wait
    assert body["alerts"] == {
        "connected": False,
        "detail": "SEATGATE_ALERTMANAGER_URL is not set",
        "firing": [],
    }
