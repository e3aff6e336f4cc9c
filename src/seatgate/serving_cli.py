"""`seatgate serve`: the HTTP API, after every dependency answered."""

from __future__ import annotations

import argparse
import os

from seatgate.commands import Commands, add_command, command_settings
from seatgate.startup import require_dependencies


def register(commands: Commands) -> None:
    serve = add_command(
        commands, "serve", cmd_serve, "Run the HTTP API (after checking every dependency)."
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument(
        "--with-workers", action="store_true", help="also run scheduler/relay/consumer in-process"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    if args.with_workers:
        os.environ["SEATGATE_RUN_WORKERS_IN_PROCESS"] = "true"
        settings = settings.model_copy(update={"run_workers_in_process": True})
    require_dependencies(settings)
    # Imported when serving: the whole app is more than any other command needs.
    from seatgate.serving import serve_forever

    serve_forever(settings)
    return 0
