"""Waiting-room request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from seatgate.db import MAX_ID
from seatgate.http.json_types import JsonInt
from seatgate.queue.domain import QueueTokenInfo, TokenStatus

__all__ = ["Fairness", "IssueTokenRequest", "QueueStatus", "QueueTokenInfo", "TokenStatus"]


class IssueTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concert_id: JsonInt = Field(ge=1, le=MAX_ID)


class QueueStatus(BaseModel):
    token: str
    concert_id: int
    status: TokenStatus = Field(
        description="WAITING (in line, or in the pre-queue before the opening), ACTIVE "
        "(may choose seats), SOLD_OUT (in line, but nothing is left to sell; back to "
        "WAITING when a hold lapses), EXPIRED."
    )
    position: int | None = Field(
        description="1 = admitted next; null in the pre-queue (the opening's shuffle "
        "places it); 0 once ACTIVE or EXPIRED."
    )
    estimated_wait_seconds: int = Field(
        description="From the measured admission rate; in the pre-queue, until the opening."
    )
    seats_remaining: int | None = Field(
        default=None,
        description="Seats of the concert that can still be sold (null until counted).",
    )
    poll_after_seconds: int = Field(
        default=1,
        description="Poll again after this long; polling sooner answers this same status.",
    )
    sale_opens_at: datetime | None = Field(
        default=None, description="When the sale opens (null: open since the start)."
    )
    expires_at: datetime | None = Field(
        description="ACTIVE: when it expires unless used again (each request renews it, up "
        "to its absolute TTL); WAITING: when it expires unless polled again."
    )


class Fairness(BaseModel):
    """What anyone needs to recompute the opening's shuffle of the pre-queue."""

    commitment: str | None = Field(
        description="SHA-256 of the seed, hex; published as soon as the sale is scheduled."
    )
    seed: str | None = Field(description="The secret seed, hex; null until the shuffle.")
    algorithm: str
    prequeue_opens_at: datetime | None
    sale_opens_at: datetime | None
    shuffled_at: datetime | None
