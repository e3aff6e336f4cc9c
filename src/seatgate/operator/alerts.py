"""Alerts firing, read from Alertmanager's API (v2) when one is configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from seatgate.operator.schemas import Alert, Alerts

# The console polls every few seconds: an Alertmanager that does not answer in this
# long is shown as not answering rather than holding the console's request.
TIMEOUT_SECONDS = 1.0


async def firing(alertmanager_url: str | None) -> Alerts:
    if alertmanager_url is None:
        return Alerts(connected=False, detail="SEATGATE_ALERTMANAGER_URL is not set")
    url = f"{alertmanager_url}/api/v2/alerts"
    params = {"active": "true", "silenced": "false", "inhibited": "false"}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            answer = await client.get(url, params=params)
            answer.raise_for_status()
            found: list[dict[str, Any]] = answer.json()  # Alertmanager's JSON, read below
    except (httpx.HTTPError, ValueError) as error:
        return Alerts(connected=False, detail=f"{alertmanager_url}: {type(error).__name__}")
    return Alerts(connected=True, firing=[_alert(entry) for entry in found])


def _alert(entry: dict[str, Any]) -> Alert:
    labels = entry.get("labels") or {}
    annotations = entry.get("annotations") or {}
    starts = entry.get("startsAt")
    return Alert(
        name=str(labels.get("alertname", "?")),
        severity=str(labels.get("severity", "")),
        summary=str(annotations.get("summary") or annotations.get("description") or ""),
        starts_at=datetime.fromisoformat(starts) if isinstance(starts, str) else None,
    )
