from __future__ import annotations

import pytest

from seatgate.db.unit_of_work import UnitOfWork
from seatgate.resources import Resources


async def count_users(resources: Resources) -> int:
    return int(await resources.pool.fetchval("SELECT count(*) FROM users"))


async def test_unit_of_work_rolls_back_unless_committed(clean: Resources) -> None:
    async with UnitOfWork(clean.pool) as uow:
        await uow.conn.execute("INSERT INTO users (name) VALUES ('uncommitted')")
    assert await count_users(clean) == 0

    async with UnitOfWork(clean.pool) as uow:
        await uow.conn.execute("INSERT INTO users (name) VALUES ('committed')")
        await uow.commit()
    assert await count_users(clean) == 1


async def test_unit_of_work_rolls_back_on_error(clean: Resources) -> None:
    with pytest.raises(RuntimeError):
        async with UnitOfWork(clean.pool) as uow:
            await uow.conn.execute("INSERT INTO users (name) VALUES ('doomed')")
            raise RuntimeError("boom")
    assert await count_users(clean) == 0


async def test_balance_can_never_go_negative(clean: Resources) -> None:
    import asyncpg

    with pytest.raises(asyncpg.CheckViolationError):
        await clean.pool.execute("INSERT INTO users (name, balance) VALUES ('x', -1)")


async def test_migrations_are_at_head(clean: Resources) -> None:
    version = await clean.pool.fetchval("SELECT version_num FROM alembic_version")
    assert version is not None
    from alembic.script import ScriptDirectory

    from seatgate.db.migrate import alembic_config

    assert clean.settings.database_url is not None
    head = ScriptDirectory.from_config(
        alembic_config(clean.settings.database_url)
    ).get_current_head()
    assert version == head
