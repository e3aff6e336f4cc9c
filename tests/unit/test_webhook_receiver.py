"""compose's alert-webhook service: the monitor's receiver on its own."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from seatgate.embedded.process import choose_port, wait_for_port


def test_webhook_only_mode_records_each_notification_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = choose_port(None)
    receiver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seatgate.observability.monitor",
            "--webhook-only",
            "127.0.0.1",
            "--webhook-port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_port(port, 15)
        alert = {"status": "firing", "alerts": [{"labels": {"alertname": "SeatgateHighErrorRate"}}]}
        assert (
            httpx.post(f"http://127.0.0.1:{port}/alerts", json=alert, timeout=5).status_code == 200
        )
        deadline = time.monotonic() + 5
        received = tmp_path / "webhook.jsonl"
        while not received.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        lines = [json.loads(line) for line in received.read_text().splitlines()]
        assert [line["body"] for line in lines] == [alert]
        assert lines[0]["path"] == "/alerts"
        receiver.send_signal(signal.SIGTERM)
        assert receiver.wait(timeout=10) == 0
    finally:
        if receiver.poll() is None:
            receiver.kill()
