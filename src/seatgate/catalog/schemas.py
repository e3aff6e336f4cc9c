from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class SeatStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"


class Concert(BaseModel):
    concert_id: int
    title: str
    artist: str
    venue: str
    sale_opens_at: datetime | None = Field(
        default=None, description="When the sale opens; null: open from the start."
    )


class Sale(BaseModel):
    """A concert's on-sale as the waiting room needs it; `seed` is secret until shuffled."""

    concert_id: int
    opens_at: datetime | None
    seed: bytes | None
    shuffled_at: datetime | None


class Schedule(BaseModel):
    schedule_id: int
    concert_id: int
    starts_at: datetime
    available_seats: int


class Seat(BaseModel):
    seat_id: int
    number: int
    price: int
    status: SeatStatus


class SeatList(BaseModel):
    schedule_id: int
    concert_id: int
    seats: list[Seat]


class SeededSchedule(BaseModel):
    schedule_id: int
    concert_id: int
    seats: int
    first_seat_id: int | None
    last_seat_id: int | None


class SeedResult(BaseModel):
    concerts_created: int
    schedules_created: int
    seats_created: int
    schedules: list[SeededSchedule]
