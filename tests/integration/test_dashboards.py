"""Grafana dashboards: generated from code, every panel query valid PromQL (promtool) and
naming only metrics the app exports (a live /metrics, plus the labelled metrics declared in
observability/metrics.py, which appear only after first use)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

from seatgate.observability import dashboards
from seatgate.observability import metrics as declared
from tests.ops_tools import metric_names, run_tool

_SERIES_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def exported_series(exposition: str) -> set[str]:
    names = {"up"}  # Prometheus' own per-target series
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    for value in vars(declared).values():
        if isinstance(value, MetricWrapperBase):
            base = value._name
            names.add(base)
            names.update(base + suffix for suffix in _SERIES_SUFFIXES)
    return names


def test_committed_dashboards_match_the_generator() -> None:
    assert dashboards.main(["--check"]) == 0


def test_every_panel_query_parses_with_promtool(tmp_path: Path) -> None:
    rules = tmp_path / "panels.yml"
    lines = ["groups:", "  - name: panels", "    rules:"]
    for index, (_, _, expr) in enumerate(dashboards.queries()):
        lines += [f"      - record: panel_query_{index}", f"        expr: {json.dumps(expr)}"]
    rules.write_text("\n".join(lines) + "\n")
    output = run_tool("promtool", "check", "rules", rules)
    assert f"{len(dashboards.queries())} rules found" in output


def test_metric_name_extraction_sees_through_functions_and_labels() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket"
        '{route!~"/metrics"}[1m]))) / on(job) group_left up'
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "up"}


async def test_every_panel_names_only_exported_metrics(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/readyz")
    await client.post("/api/v1/dev/users", json={"balance": 100})
    await client.get("/api/v1/concerts")
    await client.post("/api/v1/reservations", json={})
    exposition = (await client.get("/metrics")).text
    exported = exported_series(exposition)
    assert "http_request_duration_seconds_bucket" in exported
    # k6's own series (the load-test dashboard) are checked against a real k6 run streamed
    # to Prometheus: tests/e2e/test_loadtest_smoke.py.
    unknown = {
        (board, title, name)
        for board, title, expr in dashboards.queries()
        for name in metric_names(expr)
        if name not in exported and not name.startswith("k6_")
    }
    assert unknown == set()
