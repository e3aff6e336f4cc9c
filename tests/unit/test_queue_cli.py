"""`seatgate sale open`'s times and `seatgate verify-shuffle`'s offline check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from seatgate.cli import main
from seatgate.queue.cli import parse_when
from seatgate.queue.fairness import commitment, new_seed, shuffled

NOW = datetime(2030, 1, 1, 11, 0, tzinfo=UTC)


def test_when_is_now_an_offset_or_an_instant_with_its_zone() -> None:
    assert parse_when("now", NOW) == NOW
    assert parse_when("+90", NOW) == NOW + timedelta(seconds=90)
    assert parse_when("2030-01-01T20:00+09:00", NOW) == NOW
    assert parse_when("2030-01-01T20:00", NOW) is None  # no zone: ambiguous
    assert parse_when("tomorrow", NOW) is None


def test_verify_shuffle_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = new_seed()
    order = shuffled(seed, [f"1.t{n}.s" for n in range(20)])
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("\n".join(order) + "\n")
    bad.write_text("\n".join([order[1], order[0], *order[2:]]) + "\n")
    args = ["verify-shuffle", "--seed", seed.hex(), "--commitment", commitment(seed)]

    assert main([*args, "--order", str(good)]) == 0
    assert main([*args, "--order", str(bad)]) == 1
    assert "differs at 1" in capsys.readouterr().out
