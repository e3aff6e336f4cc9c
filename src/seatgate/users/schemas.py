from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from seatgate.http.json_types import JsonInt

MAX_INITIAL_BALANCE = 100_000_000


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    balance: JsonInt = Field(default=0, ge=0, le=MAX_INITIAL_BALANCE)
    name: str = Field(default="", max_length=100)

    @field_validator("name")
    @classmethod
    def _storable(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the INSERT.
        if "\x00" in value:
            raise ValueError("must not contain NUL")
        return value


class CreatedUser(BaseModel):
    user_id: int
    token: str


class Balance(BaseModel):
    user_id: int
    balance: int


class ChargeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: JsonInt = Field(gt=0, description="Won to add; at most the configured cap.")
