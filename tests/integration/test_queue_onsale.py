"""A scheduled on-sale: a pre-queue without places, shuffled exactly once at the opening
however many schedulers race, by an order anyone can recompute from the revealed seed;
later arrivals queue behind it; before its window the line is closed."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import httpx
import pytest

from seatgate.errors import SaleNotOpen
from seatgate.queue import admission, fairness, sale, service
from seatgate.queue.schemas import QueueStatus
from seatgate.resources import Resources
from tests.integration.queue_helpers import T0, a_concert, line_up, users, with_settings

OPENS = T0 + 60


async def a_sale(resources: Resources, *, opens: float = OPENS) -> int:
    concert_id = await a_concert(resources)
    await sale.schedule_sale(
        resources, concert_id=concert_id, opens_at=datetime.fromtimestamp(opens, UTC)
    )
    return concert_id


async def polled(resources: Resources, line: list[QueueStatus], people: list, now: float) -> list:
    return [
        await service.poll(resources, token=status.token, user_id=person.user_id, now=now)
        for status, person in zip(line, people, strict=True)
    ]


async def test_the_prequeue_has_no_places_and_nobody_is_admitted_before_the_opening(
    clean: Resources,
) -> None:
    queue = with_settings(clean, admission_rate_per_second=100, max_active_users=100)
    concert_id = await a_sale(queue)
    people = await users(queue, 5)

    line = await line_up(queue, concert_id, people, now=T0)
    await admission.admit(queue, now=T0)
    admitted = await admission.admit(queue, now=T0 + 1)

    assert admitted == 0
    assert {status.position for status in line} == {None}
    assert {status.status for status in line} == {"WAITING"}
    assert line[0].estimated_wait_seconds == 60
    assert line[0].sale_opens_at == datetime.fromtimestamp(OPENS, UTC)
    assert 1 <= line[0].poll_after_seconds <= 10


async def test_before_its_window_the_line_is_closed(clean: Resources) -> None:
    queue = with_settings(clean, prequeue_window_seconds=600)
    concert_id = await a_sale(queue)
    [person] = await users(queue, 1)

    with pytest.raises(SaleNotOpen):
        await service.issue_token(
            queue, user_id=person.user_id, concert_id=concert_id, now=OPENS - 601
        )
    status, _ = await service.issue_token(
        queue, user_id=person.user_id, concert_id=concert_id, now=OPENS - 599
    )
    assert (status.status, status.position) == ("WAITING", None)


async def test_racing_schedulers_shuffle_once_and_the_seed_reproduces_every_place(
    clean: Resources,
) -> None:
    queue = with_settings(clean, admission_rate_per_second=1000, max_active_users=1000)
    concert_id = await a_sale(queue)
    people = await users(queue, 40)
    line = await line_up(queue, concert_id, people, now=T0)
    committed = await sale.fairness_record(queue, concert_id=concert_id)

    shuffles = await asyncio.gather(
        *(sale.open_due_sales(queue, now=OPENS + 0.1) for _ in range(6))
    )
    revealed = await sale.fairness_record(queue, concert_id=concert_id)
    after = await polled(queue, line, people, now=OPENS + 0.2)

    assert sorted(shuffles) == [0] * 5 + [1]
    assert committed.seed is None
    assert revealed.seed is not None
    assert revealed.commitment == committed.commitment
    assert hashlib.sha256(bytes.fromhex(revealed.seed)).hexdigest() == committed.commitment
    seed = bytes.fromhex(revealed.seed)
    tokens = [status.token for status in line]
    assert [status.position for status in after] == [
        fairness.position_of(seed, token, tokens) for token in tokens
    ]
    assert sorted(status.position or 0 for status in after) == list(range(1, 41))
    record, order = await sale.verify_shuffle(queue, concert_id=concert_id)
    assert fairness.verify(record.seed or "", record.commitment or "", order).ok
    assert order == fairness.shuffled(seed, tokens)
    # Nothing left to shuffle: a later tick does nothing.
    assert await sale.open_due_sales(queue, now=OPENS + 5) == 0


async def test_later_arrivals_queue_behind_the_shuffled_prequeue_and_admission_follows_it(
    clean: Resources,
) -> None:
    queue = with_settings(clean, admission_rate_per_second=5, max_active_users=1000)
    concert_id = await a_sale(queue)
    early = await users(queue, 6)
    early_line = await line_up(queue, concert_id, early, now=T0)
    # Arrives after the opening but before any scheduler shuffled: still behind.
    late = await users(queue, 2)
    late_line = await line_up(queue, concert_id, late, now=OPENS + 0.05)

    await sale.open_due_sales(queue, now=OPENS + 0.1)
    await admission.admit(queue, now=OPENS + 0.1)
    admitted = await admission.admit(queue, now=OPENS + 1.1)
    statuses = await polled(queue, early_line + late_line, early + late, now=OPENS + 1.2)

    assert admitted == 5
    record = await sale.fairness_record(queue, concert_id=concert_id)
    order = fairness.shuffled(bytes.fromhex(record.seed or ""), [s.token for s in early_line])
    by_token = {status.token: status for status in statuses}
    assert [by_token[token].status for token in order] == ["ACTIVE"] * 5 + ["WAITING"]
    assert [by_token[s.token].position for s in late_line] == [2, 3]


async def test_the_fairness_endpoint_commits_then_reveals(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    concert_id = await a_sale(clean)
    open_from_start = await a_concert(clean)

    before = await client.get(f"/api/v1/concerts/{concert_id}/queue/fairness")
    await sale.open_due_sales(clean, now=OPENS + 1)
    after = await client.get(f"/api/v1/concerts/{concert_id}/queue/fairness")
    plain = await client.get(f"/api/v1/concerts/{open_from_start}/queue/fairness")
    missing = await client.get("/api/v1/concerts/999999/queue/fairness")

    assert before.status_code == 200
    body = before.json()
    assert set(body) == {
        "commitment",
        "seed",
        "algorithm",
        "prequeue_opens_at",
        "sale_opens_at",
        "shuffled_at",
    }
    assert body["seed"] is None
    assert body["shuffled_at"] is None
    assert len(body["commitment"]) == 64
    revealed = after.json()
    assert hashlib.sha256(bytes.fromhex(revealed["seed"])).hexdigest() == body["commitment"]
    assert revealed["shuffled_at"] is not None
    assert plain.json()["commitment"] is None
    assert plain.json()["sale_opens_at"] is None
    assert missing.status_code == 404
