"""Writes report.md, report.html and the chart images of one run directory."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from seatgate.loadtest.report import analysis, crowd_section, sections
from seatgate.loadtest.report.crowd_inputs import CrowdInputs, read_crowd
from seatgate.loadtest.report.document import (
    Block,
    Heading,
    Image,
    Paragraph,
    Rule,
    Table,
    to_html,
    to_markdown,
)
from seatgate.loadtest.report.findings import Finding, findings
from seatgate.loadtest.report.inputs import RunInputs, read_inputs
from seatgate.loadtest.report.prom import Labels, delta, histogram_quantile
from seatgate.loadtest.report.text import Lang, ui


@dataclass(frozen=True)
class Report:
    passed: bool
    markdown: Path
    html: Path
    verdicts: tuple[analysis.Verdict, ...]
    findings: tuple[Finding, ...]
    fair: bool | None = None  # flash-crowd runs: the fairness check's verdict


def _by_label(series: dict[Labels, float], label: str) -> str:
    totals: dict[str, float] = defaultdict(float)
    for labels, value in series.items():
        totals[dict(labels).get(label, "?")] += value
    return ", ".join(f"{name}: {value:,.0f}" for name, value in sorted(totals.items())) or "0"


def _app_metrics(inputs: RunInputs, lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(2, ui("app", lang))]
    before, after = inputs.before, inputs.after
    if after is None:
        return [*blocks, Paragraph(ui("no_app", lang))]
    statuses: dict[Labels, float] = {}
    for labels, value in delta(before, after, "http_requests_total").items():
        status = dict(labels).get("status", "?")
        key = (("class", f"{status[0]}xx" if status[:1].isdigit() else status),)
        statuses[key] = statuses.get(key, 0.0) + value
    p95 = histogram_quantile(before, after, "http_request_duration_seconds", 0.95)
    pending = after.value("seatgate_outbox_pending")
    age = after.value("seatgate_outbox_oldest_age_seconds")
    in_use, size = after.value("seatgate_db_pool_in_use"), after.value("seatgate_db_pool_size")
    tokens = delta(before, after, "seatgate_queue_tokens_issued_total")
    published = delta(before, after, "seatgate_events_published_total")
    rows = [
        (ui("app_http", lang), _by_label(statuses, "class")),
        (ui("app_p95", lang), "-" if p95 is None else f"≤ {sections.ms(p95 * 1000)}"),
        (
            ui("app_reservations", lang),
            _by_label(delta(before, after, "seatgate_reservations_total"), "outcome"),
        ),
        (
            ui("app_payments", lang),
            _by_label(delta(before, after, "seatgate_payments_total"), "outcome"),
        ),
        (ui("app_tokens", lang), f"{sum(tokens.values()):,.0f}"),
        (ui("app_published", lang), _by_label(published, "topic")),
        (
            ui("app_outbox", lang),
            f"{pending or 0:,.0f} / {age or 0:.1f} s" if pending is not None else "-",
        ),
        (
            ui("app_pool", lang),
            f"{in_use:.0f} / {size:.0f}" if in_use is not None and size else "-",
        ),
    ]
    return [*blocks, Table((ui("app_metric", lang), ui("app_value", lang)), tuple(rows))]


def _conclusion(inputs: RunInputs, passed: bool, lang: Lang) -> list[Block]:
    values = {v.key: v for v in analysis.verdicts(inputs)}
    text = ui(
        "conclusion_pass" if passed else "conclusion_fail",
        lang,
        scenario=f"`{inputs.meta.scenario}`",
        p95=sections.ms(values["p95"].value),
        failed=sections.ratio(values["failed"].value),
    )
    return [
        Heading(2, ui("conclusion", lang)),
        Paragraph(text),
        Rule(),
        Paragraph(ui("footer", lang, date=inputs.meta.started_at)),
    ]


def build_blocks(
    inputs: RunInputs, lang: Lang, crowd: CrowdInputs | None = None
) -> tuple[list[Block], bool, tuple[Finding, ...], bool | None]:
    """The report; a failed fairness check fails the run like a threshold."""
    found = findings(inputs)
    parts = [
        sections.overview(inputs, lang),
        sections.results(inputs, lang),
        sections.endpoints(inputs, lang),
        sections.errors(inputs, lang),
        sections.causes(found, lang),
        sections.charts(inputs, lang),
        _app_metrics(inputs, lang),
    ]
    fair = None
    if crowd is not None:
        crowd_blocks, fair = crowd_section.section(inputs, crowd, lang)
        parts.append(crowd_blocks)
    passed = analysis.passed(inputs) and fair is not False
    title = ui("title_pass" if passed else "title_fail", lang)
    blocks: list[Block] = [Heading(1, f"{title} — {inputs.meta.scenario}")]
    for part in parts:
        blocks += [*part, Rule()]
    return [*blocks, *_conclusion(inputs, passed, lang)], passed, found, fair


def generate_report(run_dir: Path, lang: Lang = "ko", out_dir: Path | None = None) -> Report:
    """Reads a run directory and writes the report beside its inputs (or into `out_dir`)."""
    inputs = read_inputs(run_dir)
    out = out_dir or run_dir
    out.mkdir(parents=True, exist_ok=True)
    blocks, passed, found, fair = build_blocks(inputs, lang, read_crowd(run_dir))
    for block in blocks:
        if isinstance(block, Image):
            (out / block.file).write_text(block.svg)
    title = blocks[0].text if isinstance(blocks[0], Heading) else "report"
    markdown, html = out / "report.md", out / "report.html"
    markdown.write_text(to_markdown(blocks))
    html.write_text(to_html(blocks, title, lang))
    return Report(passed, markdown, html, analysis.verdicts(inputs), found, fair)
