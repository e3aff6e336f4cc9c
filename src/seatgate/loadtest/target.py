"""What the runner asks the target over HTTP: readiness, metrics, free seats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Readiness:
    ok: bool
    line: str  # why not, in one line
    body: dict[str, Any]


def readiness(base: str) -> Readiness:
    try:
        response = httpx.get(f"{base}/readyz", timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return Readiness(False, f"{base} is unreachable ({reason})", {"unreachable": reason})
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 200:
        return Readiness(True, "ready", body)
    down = body.get("down") or []
    what = f"{', '.join(map(str, down))} down" if down else f"HTTP {response.status_code}"
    return Readiness(False, f"{base}/readyz is not ready ({what})", body)


def dependencies(base: str) -> dict[str, Any]:
    """`/readyz` with the broker's own probe (`/readyz/broker`) merged into its checks: what
    the report reads after a run to name a dependency that went down, the broker included."""
    body = dict(readiness(base).body)
    try:
        broker = httpx.get(f"{base}/readyz/broker", timeout=TIMEOUT_SECONDS).json()
    except (httpx.HTTPError, ValueError):
        return body
    if isinstance(broker, dict) and isinstance(broker.get("checks"), dict):
        body["checks"] = {**(body.get("checks") or {}), **broker["checks"]}
    return body


def scrape_metrics(base: str) -> str | None:
    try:
        response = httpx.get(f"{base}/metrics", timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError:
        return None
    return response.text if response.status_code == 200 else None


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        body = body.get("items", body.get("concerts", body.get("schedules", [])))
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def free_seats(base: str) -> int:
    """Seats AVAILABLE over every schedule of every concert, from the public catalog."""
    with httpx.Client(base_url=base, timeout=TIMEOUT_SECONDS) as client:
        total = 0
        for concert in _items(client.get("/api/v1/concerts").json()):
            concert_id = concert.get("concert_id") or concert.get("id")
            schedules = client.get(f"/api/v1/concerts/{concert_id}/schedules").json()
            total += sum(int(s.get("available_seats") or 0) for s in _items(schedules))
        return total
