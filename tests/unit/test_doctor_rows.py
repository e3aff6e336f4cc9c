"""`seatgate doctor` rows: every ❌ carries its fix."""

from __future__ import annotations

from seatgate.doctor.checks import pool_row
from seatgate.settings import load_settings


async def test_the_pool_row_with_the_database_down_says_what_to_fix() -> None:
    settings = load_settings(database_url="postgresql://seatgate@db.invalid:5432/seatgate")
    row = await pool_row(settings, in_flight=10, database_ok=False)
    assert row.ok is False
    assert "database" in row.fix
