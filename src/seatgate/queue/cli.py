"""`seatgate sale open` (schedule a concert's opening) and `seatgate verify-shuffle`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from seatgate.commands import Commands, add_command, command_settings
from seatgate.errors import DomainError
from seatgate.queue import fairness, sale
from seatgate.queue.schemas import Fairness
from seatgate.resources import Resources
from seatgate.settings import Settings
from seatgate.startup import fail

NOT_SHUFFLED = 2


def register(commands: Commands) -> None:
    opener = add_command(
        commands,
        "sale",
        cmd_sale_open,
        "Schedule a concert's on-sale: its pre-queue opens SEATGATE_PREQUEUE_WINDOW_SECONDS "
        "before, and is shuffled at the opening (`seatgate sale open --concert 1 --at ...`).",
    )
    opener.add_argument("action", choices=["open"], help="open: set when the sale opens")
    opener.add_argument("--concert", type=int, required=True, help="concert id")
    opener.add_argument(
        "--at",
        required=True,
        help="ISO 8601 with its offset (2030-01-01T20:00+09:00), `now`, or +SECONDS from now",
    )
    verifier = add_command(
        commands,
        "verify-shuffle",
        cmd_verify_shuffle,
        "Recompute a concert's pre-queue order from its revealed seed and check it against "
        "the commitment and the order the opening made.",
    )
    verifier.add_argument("--concert", type=int, help="concert id (reads the server's record)")
    verifier.add_argument("--seed", help="revealed seed, hex (offline check, with --order)")
    verifier.add_argument("--commitment", help="published commitment, hex (offline check)")
    verifier.add_argument("--order", type=Path, help="file: the tokens as placed, one a line")


def parse_when(text: str, now: datetime) -> datetime | None:
    """`now`, `+SECONDS` or ISO 8601 with an offset; None if it is none of them."""
    if text == "now":
        return now
    if text.startswith("+") and text[1:].replace(".", "", 1).isdigit():
        return now + timedelta(seconds=float(text[1:]))
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def cmd_sale_open(args: argparse.Namespace) -> int:
    opens_at = parse_when(args.at, datetime.now(UTC))
    if opens_at is None:
        fail(f"--at={args.at!r} is not a time; fix: pass ISO 8601 with an offset, now, or +SECONDS")
    settings = command_settings(args, find_dev_stack=True)
    _require_servers(settings)
    try:
        scheduled = sale.schedule_sale_now(settings, args.concert, opens_at)
    except DomainError as error:
        fail(f"{error.detail}; fix: pass a concert that exists and whose sale has not opened")
    window = opens_at - timedelta(seconds=settings.prequeue_window_seconds)
    seed = scheduled.seed or b""  # a scheduled sale always has one
    print(f"concert_id={args.concert} sale_opens_at={opens_at.isoformat()}")
    print(f"  pre-queue opens at {window.isoformat()}")
    print(f"  commitment {fairness.commitment(seed)} (SHA-256 of the seed)")
    return 0


def cmd_verify_shuffle(args: argparse.Namespace) -> int:
    if args.concert is None:
        if not (args.seed and args.commitment and args.order):
            fail("verify-shuffle needs --concert N, or --seed, --commitment and --order FILE")
        order = [line.strip() for line in args.order.read_text().splitlines() if line.strip()]
        return _report(fairness.verify(args.seed, args.commitment, order), len(order))
    settings = command_settings(args, find_dev_stack=True)
    _require_servers(settings)
    record, order = asyncio.run(_record(settings, args.concert))
    if record.seed is None or record.commitment is None:
        print(f"concert {args.concert}: not shuffled yet (commitment {record.commitment or '-'})")
        return NOT_SHUFFLED
    return _report(fairness.verify(record.seed, record.commitment, order), len(order))


async def _record(settings: Settings, concert_id: int) -> tuple[Fairness, list[str]]:
    resources = await Resources.open(settings)
    try:
        return await sale.verify_shuffle(resources, concert_id=concert_id)
    finally:
        await resources.close()


def _report(verdict: fairness.Verdict, tokens: int) -> int:
    print(f"commitment = SHA-256(seed): {'✅' if verdict.commitment_matches else '❌'}")
    place = "" if verdict.first_mismatch is None else f" (differs at {verdict.first_mismatch})"
    print(
        f"order of {tokens} tokens = HMAC-SHA256(seed, token) order: "
        f"{'✅' if verdict.order_matches else '❌'}{place}"
    )
    return 0 if verdict.ok else 1


def _require_servers(settings: Settings) -> None:
    for name, value in (("DATABASE_URL", settings.database_url), ("REDIS_URL", settings.redis_url)):
        if value is None:
            fail(
                f"SEATGATE_{name} is not set; fix: point it at seatgate's server, or run `make run`"
            )
