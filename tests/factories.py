"""Test data made through the product's own services, never by hand-written rows."""

from __future__ import annotations

from seatgate.resources import Resources
from seatgate.users.schemas import CreatedUser
from seatgate.users.service import create_user


async def a_user(resources: Resources, *, balance: int = 0) -> CreatedUser:
    return await create_user(resources.pool, resources.settings, balance=balance)


def auth(user: CreatedUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}
