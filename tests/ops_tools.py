"""The Prometheus tools the ops tests run: Debian's `prometheus` and `prometheus-alertmanager`.

A missing tool skips its tests on a developer machine; under CI (`CI` set) it is a failure,
since `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "ops"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed; fix: apt-get install prometheus prometheus-alertmanager"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_tool(*args: str | Path) -> str:
    """Run a tool; fail the test with its output unless it exits 0."""
    command = [tool(str(args[0])), *(str(arg) for arg in args[1:])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output
