from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from seatgate.db import MAX_ID
from seatgate.http.json_types import JsonInt


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reservation_id: JsonInt = Field(ge=1, le=MAX_ID)


class Payment(BaseModel):
    payment_id: int
    reservation_id: int
    amount: int
    status: Literal["COMPLETED"] = "COMPLETED"
