"""Refuse to start on bad configuration: one line naming the setting and the fix."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, NoReturn

from seatgate.checks import check_dependencies
from seatgate.settings import Settings, SettingsError, load_settings

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3
EXIT_ALREADY_RUNNING = 4


def fail(line: str, code: int = EXIT_CONFIG) -> NoReturn:
    print(f"seatgate: {line}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        fail(str(error))


def require_dependencies(settings: Settings) -> None:
    """Every dependency reachable within its bound, or exit with the failing lines."""
    failures = [result for result in asyncio.run(check_dependencies(settings)) if not result.ok]
    if failures:
        for failure in failures[:-1]:
            print(f"seatgate: {failure.line()}", file=sys.stderr)
        fail(failures[-1].line(), EXIT_UNREACHABLE)
