"""An Idempotency-Key survives the faults between a command and its stored answer.

The answer is stored in the command's own transaction, so a failure to store it, or a
process that dies before storing it, leaves nothing behind: the retry runs the command
exactly once. Each test makes the fault happen for real in PostgreSQL (a trigger on
`idempotency_keys` that refuses or stalls the answer of one key) or in the OS (SIGKILL).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest

from seatgate.embedded.process import choose_port
from seatgate.main import create_app
from seatgate.resources import Resources
from tests.api_process import seatgate_env
from tests.factories import a_user, auth
from tests.fault_checks import balances_match_ledger

CHARGE = "/api/v1/users/me/balance/charge"
INITIAL = 500
AMOUNT = 1_000
# The claim a crashed process left used to be taken over after this long.
OLD_STALE_CLAIM_SECONDS = 60

# Fires only for the answer of one key (the response column set), never for other rows.
_FAULT_FUNCTION = """
CREATE OR REPLACE FUNCTION test_answer_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.key = TG_ARGV[0] AND NEW.response IS NOT NULL THEN
        IF TG_ARGV[1] = 'stall' THEN
            PERFORM pg_sleep(120);
        ELSE
            RAISE EXCEPTION 'storing this answer fails (test fault)';
        END IF;
    END IF;
    RETURN NEW;
END $$
"""


@asynccontextmanager
async def answer_fault(resources: Resources, key: str, mode: str) -> AsyncIterator[None]:
    """While inside, storing the answer of `key` raises (`fail`) or hangs (`stall`)."""
    await resources.pool.execute(_FAULT_FUNCTION)
    await resources.pool.execute(
        "CREATE TRIGGER test_answer_fault BEFORE INSERT OR UPDATE ON idempotency_keys "
        f"FOR EACH ROW EXECUTE FUNCTION test_answer_fault('{key}', '{mode}')"
    )
    try:
        yield
    finally:
        await resources.pool.execute("DROP TRIGGER IF EXISTS test_answer_fault ON idempotency_keys")


async def let_old_claims_go_stale(resources: Resources) -> None:
    """The test's clock: every key row is now older than the old stale-claim window."""
    await resources.pool.execute(
        "UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => $1)",
        OLD_STALE_CLAIM_SECONDS + 1,
    )


async def charges(resources: Resources, user_id: int) -> list[int]:
    rows = await resources.pool.fetch(
        "SELECT delta FROM balance_ledger WHERE user_id = $1 AND reason = 'CHARGE' ORDER BY id",
        user_id,
    )
    return [row["delta"] for row in rows]


async def balance_of(resources: Resources, user_id: int) -> int:
    return int(await resources.pool.fetchval("SELECT balance FROM users WHERE id = $1", user_id))


@pytest.fixture
async def lenient_client(clean: Resources) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but a 500 comes back as a response instead of raising in the test."""
    app = create_app(clean.settings, resources=clean)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatgate.test") as http:
        yield http


async def test_an_answer_that_cannot_be_stored_undoes_the_charge_and_the_retry_charges_once(
    lenient_client: httpx.AsyncClient, clean: Resources
) -> None:
    user = await a_user(clean, balance=INITIAL)
    headers = {**auth(user), "Idempotency-Key": "store-fails"}

    async with answer_fault(clean, "store-fails", "fail"):
        failed = await lenient_client.post(CHARGE, json={"amount": AMOUNT}, headers=headers)
    after_failure = (await balance_of(clean, user.user_id), await charges(clean, user.user_id))
    await let_old_claims_go_stale(clean)
    retry = await lenient_client.post(CHARGE, json={"amount": AMOUNT}, headers=headers)
    replay = await lenient_client.post(CHARGE, json={"amount": AMOUNT}, headers=headers)

    assert failed.status_code == 500, failed.text
    assert after_failure == (INITIAL, []), "the 5xx left the charge committed"
    assert retry.status_code == 200, retry.text
    assert retry.json() == {"user_id": user.user_id, "balance": INITIAL + AMOUNT}
    assert "idempotent-replayed" not in retry.headers
    assert (replay.json(), replay.headers["idempotent-replayed"]) == (retry.json(), "true")
    assert await balance_of(clean, user.user_id) == INITIAL + AMOUNT
    assert await charges(clean, user.user_id) == [AMOUNT]
    assert await balances_match_ledger(clean.pool) == []


@contextmanager
def serving(resources: Resources) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`seatgate serve` (one process) on this run's servers, killed by the test."""
    port = choose_port(None)
    process = subprocess.Popen(
        [sys.executable, "-m", "seatgate", "serve", "--port", str(port)],
        # The process must still be waiting on its answer when the test kills it, not
        # have given up on its own at the request deadline.
        env=seatgate_env(resources.settings, SEATGATE_DB_COMMAND_TIMEOUT_SECONDS="60"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(base):
            assert process.poll() is None, "seatgate serve exited"
            assert time.monotonic() < deadline, "seatgate serve did not answer /healthz"
            time.sleep(0.2)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def stalled_backend(resources: Resources) -> int:
    """The PostgreSQL backend sleeping in the trigger, i.e. storing the answer right now."""
    deadline = time.monotonic() + 30
    while True:
        pid = await resources.pool.fetchval(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event = 'PgSleep'"
        )
        if pid is not None:
            return int(pid)
        assert time.monotonic() < deadline, "no request reached the stalled answer"
        await asyncio.sleep(0.05)


def post_and_expect_no_answer(base: str, user_token: str) -> Any:
    try:
        response = httpx.post(
            f"{base}{CHARGE}",
            json={"amount": AMOUNT},
            headers={"Authorization": f"Bearer {user_token}", "Idempotency-Key": "crash"},
            timeout=60,
        )
    except httpx.HTTPError as lost:
        return lost
    return response


async def test_a_process_killed_before_storing_the_answer_leaves_no_charge_behind(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    user = await a_user(clean, balance=INITIAL)

    async with answer_fault(clean, "crash", "stall"):
        with serving(clean) as (process, base):
            request = asyncio.create_task(
                asyncio.to_thread(post_and_expect_no_answer, base, user.token)
            )
            backend = await stalled_backend(clean)
            # The process dies between running the charge and storing its answer: nothing
            # of ours runs after this point, and its unfinished statement dies with it.
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            await clean.pool.execute("SELECT pg_terminate_backend($1)", backend)
            lost = await request
    assert isinstance(lost, httpx.HTTPError), lost
    await let_old_claims_go_stale(clean)

    retry = await client.post(
        CHARGE, json={"amount": AMOUNT}, headers={**auth(user), "Idempotency-Key": "crash"}
    )

    assert retry.status_code == 200, retry.text
    assert retry.json() == {"user_id": user.user_id, "balance": INITIAL + AMOUNT}
    assert await charges(clean, user.user_id) == [AMOUNT]
    assert await balances_match_ledger(clean.pool) == []


async def test_twenty_concurrent_charges_with_one_key_charge_once_and_all_get_its_answer(
    client: httpx.AsyncClient, clean: Resources
) -> None:
    user = await a_user(clean, balance=INITIAL)
    headers = {**auth(user), "Idempotency-Key": "twenty"}

    racing = await asyncio.gather(
        *(client.post(CHARGE, json={"amount": AMOUNT}, headers=headers) for _ in range(20))
    )

    # A duplicate waits on the key's unique index for the first transaction, then
    # replays what it stored: nobody sees the key "in flight".
    assert [r.status_code for r in racing] == [200] * 20
    assert [r.json() for r in racing] == [
        {"user_id": user.user_id, "balance": INITIAL + AMOUNT}
    ] * 20
    replayed = [r.headers.get("idempotent-replayed") for r in racing]
    assert sorted(replayed, key=str) == [None] + ["true"] * 19
    assert await charges(clean, user.user_id) == [AMOUNT]
    assert await balance_of(clean, user.user_id) == INITIAL + AMOUNT
