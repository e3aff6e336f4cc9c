from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class SeatStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"


class Concert(BaseModel):
    concert_id: int
    title: str
    artist: str
    venue: str


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
