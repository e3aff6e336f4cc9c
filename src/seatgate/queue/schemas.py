"""Waiting-room request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from seatgate.db import MAX_ID
from seatgate.http.json_types import JsonInt
from seatgate.queue.domain import QueueTokenInfo, TokenStatus

__all__ = ["IssueTokenRequest", "QueueStatus", "QueueTokenInfo", "TokenStatus"]


class IssueTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concert_id: JsonInt = Field(ge=1, le=MAX_ID)


class QueueStatus(BaseModel):
    token: str
    concert_id: int
    status: TokenStatus
    position: int = Field(description="1 = admitted next; 0 once ACTIVE or EXPIRED.")
    estimated_wait_seconds: int = Field(description="From the measured admission rate.")
    expires_at: datetime | None = Field(
        description="ACTIVE: end of its TTL; WAITING: when it expires unless polled again."
    )
