"""Grafana dashboards as code: `python -m seatgate.observability.dashboards` writes
ops/grafana/dashboards/*.json; `--check` fails if the committed files differ.

Every query names only metrics the app or k6 exports; tests/integration/test_dashboards.py
parses each one with promtool and compares its metric names with a live /metrics, and the
load-test smoke test compares the k6 names with what a real k6 run streamed to Prometheus.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from seatgate.observability.onsale_panels import ON_SALE
from seatgate.observability.ops import OPS_DIR_HELP, ops_dir
from seatgate.observability.panels import (
    API,
    DB_POOL,
    LOAD_TEST,
    OUTBOX,
    RESERVATIONS,
    WAITING_ROOM,
    Panel,
)

GrafanaJson = dict[str, Any]  # Grafana's dashboard model: free-form JSON
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
LOAD_TEST_UID = "seatgate-loadtest"  # the report links it (loadtest/telemetry.py)


def _panel(panel: Panel, index: int) -> GrafanaJson:
    width = 12 if panel.kind == "timeseries" else 6
    per_row = 24 // width
    return {
        "id": index + 1,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": (index % per_row) * width, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + n), "expr": expr, "legendFormat": legend}
            for n, (expr, legend) in enumerate(panel.queries)
        ],
    }


def dashboard(
    uid: str, title: str, panels: list[Panel], variables: tuple[GrafanaJson, ...] = ()
) -> GrafanaJson:
    return {
        "uid": uid,
        "title": title,
        "tags": ["seatgate"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5s",
        "time": {"from": "now-30m", "to": "now"},
        "templating": {"list": list(variables)},
        "panels": [_panel(panel, index) for index, panel in enumerate(panels)],
    }


def _label_variable(name: str, metric: str, label: str) -> GrafanaJson:
    """A multi-select Grafana variable over one label's values (Prometheus datasource)."""
    query = f"label_values({metric}, {label})"
    return {
        "name": name,
        "label": name,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "definition": query,
        "refresh": 2,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "sort": 2,
    }


DASHBOARDS: dict[str, GrafanaJson] = {
    "api.json": dashboard("seatgate-api", "seatgate / API", API),
    "waiting-room.json": dashboard(
        "seatgate-waiting-room", "seatgate / Waiting room", [*WAITING_ROOM, *ON_SALE]
    ),
    "reservations.json": dashboard(
        "seatgate-reservations", "seatgate / Reservations and payments", RESERVATIONS
    ),
    "outbox-kafka.json": dashboard("seatgate-outbox", "seatgate / Outbox and Kafka", OUTBOX),
    "db-pool.json": dashboard("seatgate-db-pool", "seatgate / Database pool", DB_POOL),
    "loadtest.json": dashboard(
        LOAD_TEST_UID,
        "seatgate / Load test",
        LOAD_TEST,
        (_label_variable("testid", "k6_http_reqs_total", "testid"),),
    ),
}


def render(board: GrafanaJson) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, PromQL) of every panel."""
    return [
        (name, panel["title"], target["expr"])
        for name, board in DASHBOARDS.items()
        for panel in board["panels"]
        for target in panel["targets"]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--ops-dir", type=Path, help=OPS_DIR_HELP)
    parser.add_argument("--out", type=Path, help="default: grafana/dashboards under ops/")
    args = parser.parse_args(argv)
    out = args.out or ops_dir(args.ops_dir) / "grafana" / "dashboards"
    stale = []
    for name, board in DASHBOARDS.items():
        path = out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != render(board):
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(board), encoding="utf-8")
    if stale:
        print(
            f"dashboards: {', '.join(stale)} differ from the generator; "
            "fix: python -m seatgate.observability.dashboards",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
