"""The Debian tools the suite drives: Prometheus, Alertmanager, docker-compose, Chromium.

A missing tool skips its tests on a developer machine; under CI (`CI` set, which
`.ci/run` does itself) it is a failure, since `.ci/run` installs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from seatgate.observability import dashboards

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "ops"


def required_tool(*names: str, package: str) -> str:
    """The path of the first of `names` on PATH; skip (or fail under CI) without one."""
    for name in names:
        path = shutil.which(name)
        if path is not None:
            return path
    message = f"{names[0]} is not installed; fix: apt-get install {package}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (.ci/run installs it)")
    pytest.skip(message)


def tool(name: str) -> str:
    return required_tool(name, package="prometheus prometheus-alertmanager")


def run_tool(*args: str | Path) -> str:
    """Run a tool; fail the test with its output unless it exits 0."""
    command = [tool(str(args[0])), *(str(arg) for arg in args[1:])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def screenshot(html: Path, png: Path) -> bytes:
    """A headless Chromium screenshot of `html` (skipped without chromium, except in CI)."""
    chromium = required_tool("chromium", "chromium-browser", package="chromium")
    subprocess.run(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,2400",
            "--virtual-time-budget=4000",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    return data


def received(path: Path) -> list[dict[str, Any]]:
    """What the monitor's webhook receiver got: one JSON object per POST."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def firing(entries: list[dict[str, Any]], route: str, alert: str) -> bool:
    """A firing `alert` reached `route` (/alerts: Alertmanager's JSON; /slack: Slack's text)."""
    return any(
        entry["path"] == route
        and alert in json.dumps(entry["body"])
        and "firing" in json.dumps(entry["body"]).lower()
        for entry in entries
    )


_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
_KEYWORDS |= {"and", "or", "unless", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, labels or keywords)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[match.end() :].lstrip()
        if following.startswith("(") or match.group().lower() in _KEYWORDS:
            continue
        names.add(match.group())
    return names


def k6_metric_names() -> set[str]:
    """Every k6 series a dashboard panel reads."""
    return {
        name
        for _, _, expr in dashboards.queries()
        for name in metric_names(expr)
        if name.startswith("k6_")
    }
