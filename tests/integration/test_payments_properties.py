"""Random interleavings of hold / pay / lapse+expire / charge keep the books and the seats right.

Each example runs batches of operations; a batch runs concurrently (asyncio.gather
over the real services and PostgreSQL), so the database sees them interleaved.
After every batch: balance = charges − payments, never negative, equal to the
ledger's sum; a seat is AVAILABLE, or HELD/CONFIRMED by exactly one reservation
in the same state; every CONFIRMED reservation has exactly one payment of its price.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatgate.catalog.service import seed
from seatgate.errors import DomainError
from seatgate.payments import service as payments
from seatgate.reservations import service as reservations
from seatgate.resources import Resources
from seatgate.users.service import charge_balance, create_user
from tests.conftest import TABLES
from tests.integration.reservation_helpers import seat_consistency

USERS = 3
SEATS = 4
NO_QUEUE_TOKEN = ""  # the waiting room is not part of this property
INITIAL_BALANCE = 160_000  # one seat (150,000); a second needs a charge first

user_index = st.integers(0, USERS - 1)
pick = st.integers(0, 30)
hold = st.tuples(st.just("hold"), user_index, st.integers(0, SEATS - 1))
pay = st.tuples(st.just("pay"), user_index, pick)
# Holds and payments drawn more often than lapses, or few holds would live to be paid.
operation = st.one_of(
    hold,
    hold,
    pay,
    pay,
    pay,
    st.tuples(st.just("lapse"), pick, st.just(0)),
    st.tuples(st.just("expire"), st.just(0), st.just(0)),
    st.tuples(st.just("charge"), user_index, st.integers(1, 250_000)),
)
batches = st.lists(st.lists(operation, min_size=1, max_size=6), min_size=2, max_size=6)


class World:
    def __init__(self, resources: Resources, concert_id: int, schedule_id: int) -> None:
        self.resources = resources
        self.concert_id = concert_id
        self.schedule_id = schedule_id
        self.seat_ids: list[int] = []
        self.user_ids: list[int] = []
        self.reservation_ids: list[int] = []
        self.owner: dict[int, int] = {}
        self.refusals: list[DomainError] = []
        self.charged: dict[int, int] = defaultdict(int)

    async def run(self, kind: str, a: int, b: int) -> None:
        pool = self.resources.pool
        try:
            if kind == "hold":
                held = await reservations.hold_seat(
                    pool,
                    self.resources.settings,
                    user_id=self.user_ids[a],
                    schedule_id=self.schedule_id,
                    seat_id=self.seat_ids[b],
                    token_concert_id=self.concert_id,
                )
                self.reservation_ids.append(held.reservation_id)
                self.owner[held.reservation_id] = self.user_ids[a]
            elif kind == "pay" and self.reservation_ids:
                await payments.pay(
                    self.resources,
                    user_id=self.user_ids[a],
                    reservation_id=self.choose(self.user_ids[a], b),
                    token_concert_id=self.concert_id,
                    queue_token=NO_QUEUE_TOKEN,
                )
            elif kind == "lapse" and self.reservation_ids:
                await pool.execute(
                    "UPDATE reservations SET expires_at = now() - interval '1 second' "
                    "WHERE id = $1 AND status = 'HELD'",
                    self.reservation_ids[a % len(self.reservation_ids)],
                )
            elif kind == "expire":
                await reservations.expire_holds(pool, limit=2)
            elif kind == "charge":
                await charge_balance(
                    pool, self.resources.settings, user_id=self.user_ids[a], amount=b
                )
                self.charged[self.user_ids[a]] += b
        except DomainError as refusal:
            self.refusals.append(refusal)

    def choose(self, user_id: int, pick: int) -> int:
        """Mostly the payer's own reservations (those can succeed), sometimes anyone's."""
        own = [r for r in self.reservation_ids if self.owner[r] == user_id]
        candidates = own if own and pick % 4 else self.reservation_ids
        return candidates[pick % len(candidates)]

    async def check(self) -> None:
        pool = self.resources.pool
        assert [r for r in self.refusals if r.status >= 500] == []
        assert await seat_consistency(self.resources) == []
        for user_id in self.user_ids:
            row = await pool.fetchrow(
                """
                SELECT u.balance,
                       (SELECT coalesce(sum(amount), 0) FROM payments WHERE user_id = u.id) AS paid,
                       (SELECT coalesce(sum(delta), 0) FROM balance_ledger WHERE user_id = u.id)
                           AS ledger
                FROM users u WHERE u.id = $1
                """,
                user_id,
            )
            assert row["balance"] >= 0
            assert row["balance"] == self.charged[user_id] - row["paid"]
            assert row["ledger"] == row["balance"]
        mismatched = await pool.fetch(
            """
            SELECT r.id FROM reservations r LEFT JOIN payments p ON p.reservation_id = r.id
            WHERE (r.status = 'CONFIRMED') <> (p.id IS NOT NULL)
               OR (p.id IS NOT NULL AND (p.amount <> r.price OR p.user_id <> r.user_id))
            """
        )
        assert mismatched == []


async def a_world(resources: Resources) -> World:
    await resources.pool.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    result = await seed(resources.pool, concerts=1, schedules=1, seats=SEATS)
    schedule = result.schedules[0]
    world = World(resources, schedule.concert_id, schedule.schedule_id)
    rows = await resources.pool.fetch(
        "SELECT id FROM seats WHERE schedule_id = $1 ORDER BY number", schedule.schedule_id
    )
    world.seat_ids = [row["id"] for row in rows]
    for _ in range(USERS):
        user = await create_user(resources.pool, resources.settings, balance=INITIAL_BALANCE)
        world.user_ids.append(user.user_id)
        world.charged[user.user_id] = INITIAL_BALANCE
    return world


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=batches)
async def test_books_and_seats_stay_consistent_under_any_interleaving(
    resources: Resources, plan: list[list[tuple[str, int, int]]]
) -> None:
    world = await a_world(resources)
    for batch in plan:
        await asyncio.gather(*(world.run(*step) for step in batch))
        await world.check()


def test_the_strategy_reaches_every_operation() -> None:
    kinds: set[Any] = set()

    @settings(max_examples=200, database=None)
    @given(op=operation)
    def collect(op: tuple[str, int, int]) -> None:
        kinds.add(op[0])

    collect()
    assert kinds == {"hold", "pay", "lapse", "expire", "charge"}
