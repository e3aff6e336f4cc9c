"""The `Idempotency-Key` header and how a stored answer goes back on the wire."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import Header
from starlette.responses import Response

from seatgate.http.problems import PROBLEM_MEDIA_TYPE
from seatgate.idempotency.service import Answer

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a request safely: the same key and body replay the first answer.",
    ),
]


def respond(answer: Answer) -> Response:
    media_type = PROBLEM_MEDIA_TYPE if answer.status >= 400 else "application/json"
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(
        orjson.dumps(answer.body),
        status_code=answer.status,
        media_type=media_type,
        headers=headers,
    )
