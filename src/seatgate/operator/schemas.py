"""What the operator API answers: one sale's figures, the pipeline's, the alerts firing."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ConcertFigures(BaseModel):
    concert_id: int
    title: str
    waiting: int = Field(description="WAITING queue tokens.")
    active: int = Field(description="ACTIVE queue tokens.")
    admission_rate_configured: float = Field(description="Admissions per second, configured.")
    admission_rate_measured: float | None = Field(
        description="Admissions per second, as the waiting room measured them (null: none yet)."
    )
    seats_total: int
    seats_available: int
    holds: int = Field(description="Live holds (HELD, not yet expired).")
    sales: int = Field(description="Confirmed reservations.")
    revenue: int = Field(description="Sum of confirmed reservations' prices, in won.")


class Alert(BaseModel):
    name: str
    severity: str
    summary: str
    starts_at: datetime | None


class Alerts(BaseModel):
    connected: bool = Field(
        description="False: no SEATGATE_ALERTMANAGER_URL, or it did not answer."
    )
    detail: str = ""
    firing: list[Alert] = []


class Overview(BaseModel):
    at: datetime
    concerts: list[ConcertFigures]
    outbox_pending: int = Field(description="Outbox table rows not yet published.")
    outbox_oldest_age_seconds: float
    consumer_lag: int | None = Field(
        description="Sum of seatgate_consumer_lag as /metrics shows it (null: no consumer)."
    )
    eta_accuracy: float | None = Field(
        description="Mean of seatgate_queue_eta_accuracy (null: no admission measured yet)."
    )
    alerts: Alerts
