"""`seatgate loadtest --scenario smoke` against a running API (scheduler, relay and
consumer in-process, like `seatgate dev`): every threshold ✅, both report files,
and the HTML renders in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from seatgate.catalog.cli import seed_now
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env
from tests.ops_tools import screenshot
from tests.servers import RunServers, private_database


@pytest.fixture
def own_database(servers: RunServers, settings: Settings) -> Iterator[str]:
    """A database only this test's API uses: other tests truncate the shared one."""
    with private_database(servers, "loadtest") as url:
        seed_now(settings.model_copy(update={"database_url": url}), 1, 2, 100)
        yield url


def test_the_smoke_scenario_passes_and_writes_both_reports(
    settings: Settings, own_database: str, tmp_path: Path
) -> None:
    env = {
        "SEATGATE_DATABASE_URL": own_database,
        "SEATGATE_ADMISSION_RATE_PER_SECOND": "100",
        # Its relay and consumer must not share topics or a group with other tests' workers.
        "SEATGATE_KAFKA_TOPIC_PREFIX": f"smoke{uuid.uuid4().hex[:8]}.",
    }
    with running_api(settings, "--with-workers", **env) as base:
        done = subprocess.run(
            [
                sys.executable, "-m", "seatgate", "loadtest", "--scenario", "smoke",
                "--target", base, "--duration", "15s", "--vus", "3", "--lang", "ko",
                "--out", str(tmp_path),
            ],
            env=seatgate_env(settings, **env),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    (run_dir,) = tmp_path.iterdir()
    markdown = (run_dir / "report.md").read_text()
    for row in ("실패 요청 비율 | 0% | < 1% | ✅ 양호", "예약 API 성공률 | 100% | > 99% | ✅ 양호"):
        assert row in markdown
    assert "Token 발급 성공률 | 100% | > 99% | ✅ 양호" in markdown
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["k6_exit_code"] == 0
    assert "`seatgate doctor` passed" in meta["notes"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["metrics"]["flows_completed"]["values"]["count"] > 0
    assert "held:" in markdown  # the app's own counters moved: /metrics was scraped
    png = screenshot(run_dir / "report.html", tmp_path / "report.png")
    assert len(png) > 60_000
