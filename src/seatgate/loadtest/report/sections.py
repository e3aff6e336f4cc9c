"""The report's sections, in the seed report's order, as document blocks."""

from __future__ import annotations

from typing import Any

from seatgate.loadtest.report import analysis
from seatgate.loadtest.report.causes import describe
from seatgate.loadtest.report.charts import Series, line_chart
from seatgate.loadtest.report.document import Block, Bullets, Heading, Image, Paragraph, Table
from seatgate.loadtest.report.findings import Finding
from seatgate.loadtest.report.inputs import RunInputs
from seatgate.loadtest.report.text import Lang, ui

ENDPOINT_LABELS = {
    "user": "POST /api/v1/dev/users",
    "token": "POST /api/v1/queue/tokens",
    "poll": "GET /api/v1/queue/tokens/current",
    "seats": "GET /api/v1/schedules/{id}/seats",
    "reservation": "POST /api/v1/reservations",
    "payment": "POST /api/v1/payments",
}
_SEVERITY_ICON = {"fail": "❗", "warn": "⚠️", "info": "ℹ️"}


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.2f} ms"


def ratio(value: float | None) -> str:
    if value is None:
        return "-"
    if value in (0, 1):
        return f"{value:.0%}"
    return f"{value * 100:.2f}%"


def overview(inputs: RunInputs, lang: Lang) -> list[Block]:
    meta = inputs.meta
    items = [
        f"{ui('tool', lang)}: Grafana k6 {meta.k6_version}".rstrip(),
        f"{ui('target', lang)}: `{meta.target}`",
        f"{ui('scenario', lang)}: `{meta.scenario}`",
        f"{ui('method', lang)}: "
        + ui("method_line", lang, vus=meta.vus or "?", duration=meta.duration or "?"),
        f"{ui('started', lang)}: {meta.started_at}",
    ]
    items += [f"{ui('notes', lang)}: {note}" for note in meta.notes]
    items += _telemetry(meta.telemetry, lang)
    return [
        Heading(2, ui("overview", lang)),
        Paragraph(ui("overview_intro", lang)),
        Bullets(tuple(items)),
    ]


def _telemetry(telemetry: dict[str, Any] | None, lang: Lang) -> list[str]:
    """The run in Grafana, and whether k6's failure alert fired (with --prometheus)."""
    if not telemetry:
        return []
    fired = telemetry.get("alert_fired")
    key = "alert_unknown" if fired is None else "alert_fired" if fired else "alert_silent"
    return [
        ui("grafana", lang, testid=telemetry.get("testid", "?"), url=telemetry["dashboard_url"]),
        ui(key, lang, alert=telemetry.get("alert", "?"), prometheus=telemetry.get("prometheus")),
    ]


def _measured(verdict: analysis.Verdict, lang: Lang) -> str:
    if verdict.unit == "count":
        return f"{verdict.value or 0:,.0f}"
    if verdict.unit == "ms":
        return ms(verdict.value)
    if verdict.value is None and verdict.ok is False:
        return f"0% ({ui('no_requests', lang)})"
    return ratio(verdict.value)


def _judged(verdict: analysis.Verdict, lang: Lang) -> str:
    if verdict.ok is None:
        return "-" if verdict.limit is None or verdict.value is not None else ui("not_run", lang)
    return ui("ok" if verdict.ok else "bad", lang)


def results(inputs: RunInputs, lang: Lang) -> list[Block]:
    rows = tuple(
        (ui(v.key, lang), _measured(v, lang), v.limit or "-", _judged(v, lang))
        for v in analysis.verdicts(inputs)
    )
    blocks: list[Block] = [
        Heading(2, ui("summary", lang)),
        Table(
            (ui("metric", lang), ui("measured", lang), ui("limit", lang), ui("verdict", lang)), rows
        ),
        Paragraph(ui("overall_pass" if analysis.passed(inputs) else "overall_fail", lang)),
    ]
    crossed = analysis.k6_threshold_failures(inputs)
    if crossed:
        blocks.append(
            Paragraph(f"{ui('k6_crossed', lang)}: " + ", ".join(f"`{c}`" for c in crossed))
        )
    return blocks


def endpoints(inputs: RunInputs, lang: Lang) -> list[Block]:
    rows = tuple(
        (
            f"`{ENDPOINT_LABELS.get(e.endpoint, e.endpoint)}`",
            f"{e.requests:,}",
            ratio(e.success_rate),
            ms(e.avg_ms),
            ms(e.p95_ms),
            ms(e.p99_ms),
            ms(e.max_ms),
        )
        for e in analysis.endpoints(inputs)
    )
    headers = (
        ui("endpoint", lang),
        ui("requests", lang),
        ui("success", lang),
        "avg",
        "p95",
        "p99",
        "max",
    )
    blocks: list[Block] = [Heading(2, ui("endpoints", lang)), Table(headers, rows)]
    notes = [ui("expected_409", lang, count=f"{analysis.counter(inputs, 'seat_conflicts'):,}")]
    wait_avg = analysis.trend_value(inputs, "queue_wait", "avg")
    if wait_avg is not None:
        wait_p95 = analysis.trend_value(inputs, "queue_wait", "p(95)")
        notes.append(ui("queue_wait", lang, avg=ms(wait_avg), p95=ms(wait_p95)))
    notes.append(ui("flows", lang, count=f"{analysis.counter(inputs, 'flows_completed'):,}"))
    return [*blocks, Bullets(tuple(notes))]


def errors(inputs: RunInputs, lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(2, ui("errors", lang))]
    points = inputs.points
    if points is not None:
        rows = tuple(
            (
                f"`{ENDPOINT_LABELS.get(e.endpoint, e.endpoint)}`",
                str(e.status),
                f"`{e.code}`",
                f"{e.count:,}",
                f"+{e.first_s}s – +{e.last_s}s",
            )
            for e in points.errors
        )
    else:
        rows = ()
        if inputs.failures:
            blocks.append(Paragraph(ui("sampled_note", lang)))
    if not rows and not inputs.failures:
        return [*blocks, Paragraph(ui("no_errors", lang))]
    headers = (
        ui("endpoint", lang),
        ui("status", lang),
        ui("code", lang),
        ui("count", lang),
        ui("seen", lang),
    )
    if rows:
        blocks.append(Table(headers, rows))
    samples = tuple(
        f"`{f.endpoint}` {f.status} `{f.code}` — X-Request-ID `{f.request_id or '-'}`"
        + (f" — {f.detail}" if f.detail else "")
        for f in inputs.failures[:10]
    )
    if samples:
        blocks += [Heading(3, ui("samples_title", lang)), Bullets(samples)]
    return blocks


def _symptom(finding: Finding, lang: Lang) -> str:
    parts = [_SEVERITY_ICON[finding.severity]]
    if finding.statuses or finding.codes:
        parts.append(ui("failures_n", lang, count=f"{finding.count:,}"))
        parts.append(", ".join(f"`{ENDPOINT_LABELS.get(e, e)}`" for e in finding.endpoints))
        parts.append(f"{ui('status', lang)} " + ", ".join(map(str, finding.statuses)))
        parts.append(", ".join(f"`{code}`" for code in finding.codes))
        if "first_s" in finding.params:
            parts.append(ui("from_s", lang, s=finding.params["first_s"]))
        if finding.params.get("mid_run") == "yes":
            parts.append(ui("mid_run", lang))
        if finding.request_ids:
            parts.append("X-Request-ID " + ", ".join(f"`{r}`" for r in finding.request_ids))
    return " · ".join(p for p in parts if p)


def causes(found: tuple[Finding, ...], lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(2, ui("analysis", lang))]
    if not any(f.severity != "info" for f in found):
        blocks.append(Paragraph(ui("nothing_found", lang)))
    if not found:
        return blocks
    headers = (ui("component", lang), ui("symptom", lang), ui("cause", lang), ui("fix", lang))
    rows = []
    for finding in found:
        component, cause, fix = describe(finding, lang)
        rows.append((f"**{component}**", _symptom(finding, lang), cause, fix))
    return [*blocks, Table(headers, tuple(rows))]


def charts(inputs: RunInputs, lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(2, ui("charts", lang))]
    points = inputs.points
    if points is None or not points.buckets:
        return [*blocks, Paragraph(ui("no_charts", lang))]
    xs = tuple(b.start_s for b in points.buckets)
    size = points.bucket_seconds
    x_label = ui("seconds", lang)
    charts_ = (
        (
            "latency.svg",
            "chart_latency",
            (
                Series("p50", "#1f77b4", tuple(b.p50_ms for b in points.buckets)),
                Series("p95", "#d62728", tuple(b.p95_ms for b in points.buckets)),
            ),
        ),
        (
            "throughput.svg",
            "chart_throughput",
            (Series("req/s", "#2ca02c", tuple(b.requests / size for b in points.buckets)),),
        ),
        (
            "errors.svg",
            "chart_errors",
            (
                Series(
                    "failed %",
                    "#d62728",
                    tuple(
                        (100 * b.failed / b.requests) if b.requests else None
                        for b in points.buckets
                    ),
                ),
            ),
        ),
    )
    for file, key, series in charts_:
        title = ui(key, lang)
        blocks.append(Image(title, file, line_chart(title, x_label, xs, series)))
    if inputs.dashboard:
        blocks.append(Paragraph(ui("dashboard", lang, file=inputs.dashboard)))
    return blocks
