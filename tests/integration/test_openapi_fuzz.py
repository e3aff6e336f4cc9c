"""schemathesis against the real server: every operation, every check, every phase
(examples, coverage, fuzzing, stateful), a bounded number of examples.

Requests carry a valid user token and an ACTIVE queue token as fixed parameters (so the
checks know they were not generated) and the authenticated routes are fuzzed past their
authentication. Leaving the queue gets its own guest: it spends the token.

The CLI runs it (schemathesis' pytest plugin does not load fixtures under pytest 9).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from seatgate.resources import Resources
from seatgate.settings import Settings
from tests.api_process import running_api
from tests.integration.reservation_helpers import Guest, a_hall, admitted_guests

EXAMPLES_PER_OPERATION = 25
# What a valid request may be answered besides schemathesis' defaults (2xx, 401, 403, 404,
# 409, 429): outcomes of the domain, not refusals of the data. 402: the balance is too
# low; 410: the hold lapsed; 422: an Idempotency-Key reused with another body.
DOMAIN_OUTCOMES = ["2xx", "3xx", "401", "402", "403", "404", "409", "410", "422", "429"]


async def guests(settings: Settings) -> list[Guest]:
    resources = await Resources.open(settings)
    try:
        (hall,) = await a_hall(resources, seats=20)
        return await admitted_guests(resources, hall.concert_id, 2, balance=100_000)
    finally:
        await resources.close()


def fixed(guest: Guest) -> str:
    """A TOML inline table of the guest's headers (JSON strings are TOML strings)."""
    pairs = [
        f"{json.dumps('header.' + name.lower())} = {json.dumps(value)}"
        for name, value in guest.headers().items()
    ]
    return "{ " + ", ".join(pairs) + " }"


def config_file(directory: Path, guest: Guest, leaver: Guest) -> Path:
    path = directory / "schemathesis.toml"
    path.write_text(
        f"parameters = {fixed(guest)}\n\n"
        "[checks.positive_data_acceptance]\n"
        f"expected-statuses = {json.dumps(DOMAIN_OUTCOMES)}\n\n"
        "[[operations]]\n"
        'include-method = "DELETE"\n'
        'include-path = "/api/v1/queue/tokens/current"\n'
        f"parameters = {fixed(leaver)}\n"
    )
    return path


@pytest.mark.slow
def test_every_operation_holds_its_contract(settings: Settings, tmp_path: Path) -> None:
    guest, leaver = asyncio.run(guests(settings))
    config = config_file(tmp_path, guest, leaver)
    with running_api(settings) as base:
        paths = httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(config),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(EXAMPLES_PER_OPERATION),
                "--seed",
                "1",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    operations = sum(len(item) for item in paths.values())
    assert f"Tested: {operations}" in run.stdout, run.stdout[-5_000:]
