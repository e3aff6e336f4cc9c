from __future__ import annotations

from pathlib import Path

import pytest

from seatgate.messaging.envelope import TOPIC_BY_TYPE, make_event
from seatgate.messaging.schemas import (
    DATA_MODELS,
    InvalidEvent,
    SeatHeldData,
    parse_event,
    schema_documents,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_committed_json_schemas_match_the_models() -> None:
    documents = schema_documents()
    committed = {path.name for path in DOCS.glob("*.json")}
    assert committed == set(documents), "run: python -m seatgate.messaging.schemas docs/events"
    for name, text in documents.items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, (
            f"docs/events/{name} is stale; run: python -m seatgate.messaging.schemas docs/events"
        )


def test_every_event_type_has_a_data_model() -> None:
    assert set(DATA_MODELS) == set(TOPIC_BY_TYPE)


def _seat_held(**changes: object) -> bytes:
    data = SeatHeldData(
        reservation_id=1,
        user_id=2,
        seat_id=3,
        schedule_id=4,
        concert_id=5,
        price=1000,
        expires_at="2030-01-01T00:00:00Z",
    ).model_dump(mode="json")
    data.update(changes)
    return make_event("SeatHeld", 1, data, fact="held").model_dump_json().encode()


def test_a_valid_event_parses_with_typed_data() -> None:
    envelope, data = parse_event(_seat_held(), topic=TOPIC_BY_TYPE["SeatHeld"])
    assert envelope.type == "SeatHeld"
    assert isinstance(data, SeatHeldData)
    assert data.price == 1000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "envelope"),
        (b'{"event_id": "x"}', "envelope"),
        (_seat_held(price=-1), "data: price"),
        (_seat_held(schedule_id="nope"), "data: schedule_id"),
    ],
)
def test_what_does_not_match_is_refused_with_the_reason(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        parse_event(raw)


def test_an_event_on_the_wrong_topic_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="does not belong"):
        parse_event(_seat_held(), topic="seatgate.payments.v1")
