from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1


class PaymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reservation_id: int = Field(ge=1, le=MAX_ID, strict=True)


class Payment(BaseModel):
    payment_id: int
    reservation_id: int
    amount: int
    status: Literal["COMPLETED"] = "COMPLETED"
