from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from seatgate.messaging import schemas
from seatgate.messaging.envelope import TOPICS, Event
from seatgate.messaging.schemas import EVENT_TYPES, InvalidEvent, parse_event, schema_documents
from seatgate.reservations.events import SeatHeld

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_committed_json_schemas_match_the_classes() -> None:
    documents = schema_documents()
    committed = {path.name for path in DOCS.glob("*.json")}
    assert committed == set(documents), "run: python -m seatgate.messaging.schemas"
    for name, text in documents.items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, (
            f"docs/events/{name} is stale; run: python -m seatgate.messaging.schemas"
        )
    assert schemas.main(["--check", "--out", str(DOCS)]) == 0


def test_the_generator_check_fails_on_a_stale_directory(tmp_path: Path) -> None:
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 1
    assert schemas.main(["--out", str(tmp_path)]) == 0
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "SeatTeleported.json").write_text("{}", encoding="utf-8")
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 1


def _leaves(cls: type[Event]) -> set[type[Event]]:
    subclasses = cls.__subclasses__()
    if not subclasses:
        return {cls}
    return set().union(*(_leaves(subclass) for subclass in subclasses))


def test_every_event_class_is_listed_and_goes_to_a_known_topic() -> None:
    # A class defined in a feature but missing from EVENT_TYPES would be produced, and
    # dead-lettered by every consumer as an unknown type.
    assert _leaves(Event) == set(EVENT_TYPES)
    assert len({cls.__name__ for cls in EVENT_TYPES}) == len(EVENT_TYPES)
    assert {cls.topic for cls in EVENT_TYPES} == set(TOPICS)


def _seat_held(**changes: object) -> bytes:
    event = SeatHeld(
        reservation_id=1,
        user_id=2,
        seat_id=3,
        schedule_id=4,
        concert_id=5,
        price=1000,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    ).occurred(fact="held")
    envelope = event.envelope.model_copy(update={"data": {**event.envelope.data, **changes}})
    return envelope.model_dump_json().encode()


def test_a_valid_event_parses_with_typed_data() -> None:
    envelope, data = parse_event(_seat_held(), topic=SeatHeld.topic)
    assert envelope.type == "SeatHeld"
    assert isinstance(data, SeatHeld)
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
