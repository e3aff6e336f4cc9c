"""What every `seatgate` subcommand shares.

Each feature adds its own subcommands in its `cli.py`, through
`register(commands: Commands) -> None`, with the helpers here; `cli.py` only assembles
them. This module imports no feature, so a feature's commands never import the CLI
that lists them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from seatgate.embedded.state import discovered_settings
from seatgate.observability.exposition import add_metrics_port_option, serve_metrics_from_args
from seatgate.observability.logging import configure_logging
from seatgate.settings import Settings
from seatgate.startup import require_dependencies, settings_or_exit
from seatgate.worker_runner import Worker, until_stopped

Handler = Callable[[argparse.Namespace], int]
if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction
Register = Callable[[Commands], None]


def add_command(
    commands: Commands, name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """A subcommand with the options every command shares (`--profile`)."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    sub.add_argument("--profile", help="local | test | prod (default: SEATGATE_PROFILE or local)")
    sub.set_defaults(handler=handler)
    return sub


def add_worker_command(
    commands: Commands, name: str, worker: Worker, help_text: str, *, process: str
) -> argparse.ArgumentParser:
    """A subcommand running one background worker as this process, until SIGTERM or
    SIGINT, with its own `/metrics` (`--metrics-port`, default port per `process`)."""

    def run(args: argparse.Namespace) -> int:
        settings = command_settings(args)
        require_dependencies(settings)
        configure_logging()
        serve_metrics_from_args(args, settings.http_host)
        asyncio.run(until_stopped(settings, worker, process))
        return 0

    sub = add_command(commands, name, run, help_text)
    add_metrics_port_option(sub, process)
    return sub


def command_settings(args: argparse.Namespace, *, find_dev_stack: bool = False) -> Settings:
    """Validated settings for a subcommand, or exit with the one-line reason.

    `find_dev_stack`: a server the settings leave unset is taken from the `seatgate
    dev` running on the data directory, if any (for the commands a person runs in
    another shell next to `make run`)."""
    overrides = _overrides(args)
    if "profile" in overrides:
        # Worker processes (uvicorn --workers) re-read settings from the environment.
        os.environ["SEATGATE_PROFILE"] = str(overrides["profile"])
    settings = settings_or_exit(**overrides)
    return discovered_settings(settings) if find_dev_stack else settings


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    values: dict[str, object] = {}
    if getattr(args, "profile", None):
        values["profile"] = args.profile
    if getattr(args, "port", None):
        values["http_port"] = args.port
    if getattr(args, "host", None):
        values["http_host"] = args.host
    if getattr(args, "workers", None):
        values["http_workers"] = args.workers
    return values
