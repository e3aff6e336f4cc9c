"""`seatgate seed`: idempotent, bulk, and it prints ids a person can use."""

from __future__ import annotations

import pytest

from seatgate.catalog import service as catalog_service
from seatgate.catalog.cli import check_counts
from seatgate.catalog.service import seed
from seatgate.cli import main
from seatgate.resources import Resources


async def test_seeding_twice_adds_nothing_the_second_time(clean: Resources) -> None:
    first = await seed(clean.pool, concerts=2, schedules=2, seats=10)
    second = await seed(clean.pool, concerts=2, schedules=2, seats=10)
    bigger = await seed(clean.pool, concerts=2, schedules=3, seats=12)

    assert (first.concerts_created, first.schedules_created, first.seats_created) == (2, 4, 40)
    assert (second.concerts_created, second.schedules_created, second.seats_created) == (0, 0, 0)
    assert (bigger.concerts_created, bigger.schedules_created, bigger.seats_created) == (0, 2, 32)
    assert [s.seats for s in bigger.schedules] == [12] * 6
    assert await clean.pool.fetchval("SELECT count(*) FROM seats") == 72


def test_seed_command_makes_100k_seats_once_and_prints_ids(
    clean: Resources, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEATGATE_PROFILE", "test")
    monkeypatch.setenv("SEATGATE_DATABASE_URL", str(clean.settings.database_url))
    args = ["seed", "--concerts", "1", "--schedules", "2", "--seats", "50000"]

    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    second = capsys.readouterr().out

    print(first.splitlines()[0])  # the measured time, for whoever runs -s
    assert "1 concerts, 2 schedules, 100000 seats created" in first
    assert "concert_id=1 schedule_id=1 seats=50000 seat_ids=1..50000" in first
    assert "concert_id=1 schedule_id=2 seats=50000 seat_ids=50001..100000" in first
    assert "0 concerts, 0 schedules, 0 seats created" in second


@pytest.mark.parametrize(
    ("counts", "flag"),
    [((0, 1, 1), "--concerts"), ((1, 0, 1), "--schedules"), ((1, 1, 100_001), "--seats")],
)
def test_seed_refuses_out_of_range_counts(counts: tuple[int, int, int], flag: str) -> None:
    problem = check_counts(*counts)
    assert problem is not None
    assert problem.startswith(flag)
    assert "fix:" in problem


def test_seed_refuses_too_many_seats_in_total() -> None:
    problem = check_counts(1000, 365, 100)
    assert problem is not None
    assert "exceeds" in problem


def test_seed_command_exits_with_one_line_on_bad_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--seats", "0"])
    assert exit_info.value.code != 0
    assert capsys.readouterr().err.strip().splitlines() == [
        "seatgate: --seats=0 is out of range; fix: pass 1..100000"
    ]


async def test_seats_go_in_batches_and_a_rerun_completes_what_is_missing(
    clean: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: each is its own short statement, so no seed size meets the
    # statement timeout (one statement of 150,000 seats used to).
    monkeypatch.setattr(catalog_service, "SEAT_BATCH", 7)
    seen: list[tuple[int, int]] = []

    result = await seed(
        clean.pool,
        concerts=1,
        schedules=2,
        seats=20,
        progress=lambda done, total: seen.append((done, total)),
    )
    await clean.pool.execute("DELETE FROM seats WHERE number > 15 AND schedule_id = $1", 1)
    again = await seed(clean.pool, concerts=1, schedules=2, seats=20)

    assert result.seats_created == 40
    # ceil(20 / 7) = 3 batches per schedule, each reported, ending at the whole seed.
    assert seen == [(7, 40), (14, 40), (20, 40), (27, 40), (34, 40), (40, 40)]
    assert again.seats_created == 5
    assert await clean.pool.fetchval("SELECT count(*) FROM seats") == 40
    counts = await clean.pool.fetch(
        "SELECT count(DISTINCT number) AS n, min(number) AS lo, max(number) AS hi"
        " FROM seats GROUP BY schedule_id"
    )
    assert [tuple(row) for row in counts] == [(20, 1, 20), (20, 1, 20)]
