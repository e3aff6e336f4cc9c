from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from seatgate.db import MAX_ID
from seatgate.http.json_types import JsonInt
from seatgate.reservations.domain import ReservationStatus


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedule_id: JsonInt = Field(ge=1, le=MAX_ID)
    seat_id: JsonInt = Field(ge=1, le=MAX_ID)


class HeldSeat(BaseModel):
    reservation_id: int
    status: ReservationStatus
    seat_id: int
    schedule_id: int
    price: int
    expires_at: datetime


class Reservation(BaseModel):
    reservation_id: int
    status: ReservationStatus
    seat_id: int
    schedule_id: int
    concert_id: int
    price: int
    expires_at: datetime
    confirmed_at: datetime | None
