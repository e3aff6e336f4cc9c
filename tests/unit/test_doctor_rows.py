"""`seatgate doctor` rows: every ❌ carries its fix."""

from __future__ import annotations

from seatgate.doctor.checks import pool_row, topics_row
from seatgate.embedded.process import choose_port
from seatgate.settings import load_settings


async def test_the_pool_row_with_the_database_down_says_what_to_fix() -> None:
    settings = load_settings(database_url="postgresql://seatgate@db.invalid:5432/seatgate")
    row = await pool_row(settings, in_flight=10, database_ok=False)
    assert row.ok is False
    assert "database" in row.fix


async def test_a_database_gone_after_its_row_is_a_red_pool_row_not_a_traceback() -> None:
    closed = choose_port(None)  # nothing listens there
    settings = load_settings(
        database_url=f"postgresql://seatgate@127.0.0.1:{closed}/seatgate",
        connect_timeout_seconds=1,
    )
    row = await pool_row(settings, in_flight=10, database_ok=True)
    assert row.ok is False
    assert "max_connections not read" in row.detail
    assert "SEATGATE_DATABASE_URL" in row.fix


async def test_a_broker_gone_after_its_row_is_a_red_topics_row_not_a_traceback() -> None:
    closed = choose_port(None)
    settings = load_settings(
        kafka_bootstrap_servers=f"127.0.0.1:{closed}", connect_timeout_seconds=1
    )
    row = await topics_row(settings)
    assert row.ok is False
    assert "SEATGATE_KAFKA_BOOTSTRAP_SERVERS" in row.fix
