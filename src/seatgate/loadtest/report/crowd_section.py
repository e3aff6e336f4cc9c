"""The report's flash-crowd section: what the waiting room absorbed, the admission curve,
ETA accuracy, abandonment, sold-out, and the fairness check with its verdict."""

from __future__ import annotations

from datetime import UTC, datetime

from seatgate.loadtest.report import analysis
from seatgate.loadtest.report.charts import Series, line_chart
from seatgate.loadtest.report.crowd_fairness import FairnessCheck, check
from seatgate.loadtest.report.crowd_figures import CrowdFigures, Distribution, Rate, figures
from seatgate.loadtest.report.crowd_inputs import CrowdInputs
from seatgate.loadtest.report.crowd_text import words
from seatgate.loadtest.report.document import Block, Heading, Image, Paragraph, Table
from seatgate.loadtest.report.inputs import RunInputs
from seatgate.loadtest.report.sections import ms
from seatgate.loadtest.report.text import Lang

CURVE_FILE = "admission.svg"
SPIKE_SECONDS = 5


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _rate(rate: Rate) -> str:
    return f"{rate.peak:,.0f} / {rate.mean:,.1f} ({rate.total:,})"


def _spread(dist: Distribution, bound: bool = False) -> str:
    if dist.count == 0:
        return "-"
    mark = "≤ " if bound else ""
    return (
        f"{mark}{_num(dist.p50, 2)} / {mark}{_num(dist.p90, 2)}"
        + (f" / {_num(dist.mean, 2)}" if bound else "")
        + f" ({dist.count:,})"
    )


def _after(seconds: float | None) -> str:
    return "-" if seconds is None else f"+{seconds:,.1f} s"


def _pairs(values: dict[str, int] | dict[int, int] | dict[str, float]) -> str:
    return ", ".join(f"{key}: {value:,.0f}" for key, value in values.items()) or "0"


def _machine(inputs: RunInputs, found: CrowdFigures, lang: Lang) -> str:
    k6 = inputs.meta.k6 or {}
    wall, cpu = k6.get("wall_seconds"), k6.get("cpu_seconds")
    share = f"{cpu / wall:.0%}" if cpu is not None and wall else "-"
    late50 = analysis.trend_value(inputs, "poll_lateness", "med")
    late95 = analysis.trend_value(inputs, "poll_lateness", "p(95)")
    return words(
        "machine",
        lang,
        late50=ms(late50),
        late95=ms(late95),
        cpu=_num(cpu, 1),
        wall=_num(wall, 1),
        share=share,
        rss=_num(k6.get("max_rss_mb")),
        busy="-" if k6.get("machine_busy") is None else f"{k6['machine_busy']:.0%}",
        cores=k6.get("cores", "?"),
    )


def _arrivals(crowd: CrowdInputs, lang: Lang) -> str:
    opens = crowd.opens_at_ms
    offsets = [u.arrived_ms - opens for u in crowd.users if u.arrived_ms is not None]
    return words(
        "arrivals_value",
        lang,
        pre=f"{sum(1 for o in offsets if o < 0):,}",
        spike=f"{sum(1 for o in offsets if 0 <= o < SPIKE_SECONDS * 1000):,}",
        later=f"{sum(1 for o in offsets if o >= SPIKE_SECONDS * 1000):,}",
        missing=f"{len(crowd.users) - len(offsets):,}",
    )


def _table(crowd: CrowdInputs, found: CrowdFigures, lang: Lang) -> Table:
    left = sum(1 for u in crowd.users if u.outcome == "ABANDONED")
    server = found.abandoned_server
    rows = (
        (words("arrivals", lang), _arrivals(crowd, lang)),
        (words("prequeue_size", lang), f"{found.prequeue:,}"),
        (words("tokens", lang), _rate(found.tokens)),
        (words("polls", lang), _rate(found.polls)),
        (words("refused", lang), _pairs(found.refused)),
        (words("limited", lang), _pairs(found.rate_limited_server)),
        (words("outcomes", lang), _pairs(found.outcomes)),
        (words("eta_client", lang), _spread(found.eta_client)),
        (words("eta_server", lang), _spread(found.eta_server, bound=True)),
        (
            words("abandoned", lang),
            f"{left:,} / {_num(found.abandoned_total)} "
            f"({_num(server.mean, 1)} s, ≤ {_num(server.p50)} s)",
        ),
        (
            words("sold_out", lang),
            f"{_after(found.sold_out_seen_s)} / {_after(found.sold_out_server_s)}",
        ),
    )
    return Table((words("metric", lang), words("value", lang)), rows)


def _curve(found: CrowdFigures, lang: Lang) -> list[Block]:
    if not found.curve:
        return []
    start = found.curve[0].second
    xs = tuple(point.second - start for point in found.curve)
    series = (
        Series(words("arrived", lang), "#1f77b4", tuple(float(p.arrived) for p in found.curve)),
        Series(words("admitted", lang), "#2ca02c", tuple(float(p.admitted) for p in found.curve)),
        Series(words("waiting", lang), "#ff7f0e", tuple(float(p.waiting) for p in found.curve)),
    )
    title = words("curve", lang)
    svg = line_chart(title, words("curve_x", lang, opening=-start), xs, series)
    return [Image(title, CURVE_FILE, svg), Paragraph(words("curve_note", lang))]


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _fairness(result: FairnessCheck, lang: Lang) -> list[Block]:
    verdict = {None: "fair_none", True: "fair_ok", False: "fair_bad"}[result.ok]
    blocks: list[Block] = [Heading(3, words("fairness", lang)), Paragraph(words(verdict, lang))]
    if not result.seed_revealed:
        return blocks
    rows = (
        (words("algorithm", lang), f"`{result.algorithm}`"),
        (words("commitment", lang), _mark(result.commitment_matches)),
        (
            words("positions", lang),
            f"{result.positions_consistent:,} / {result.positions_seen:,} "
            + _mark(result.positions_consistent == result.positions_seen),
        ),
        (words("skipped", lang), f"{result.skipped_ahead:,} {_mark(result.skipped_ahead == 0)}"),
    )
    table = Table((words("check", lang), words("result", lang)), rows)
    return [*blocks, table, Paragraph(words("recompute", lang))]


def section(inputs: RunInputs, crowd: CrowdInputs, lang: Lang) -> tuple[list[Block], bool | None]:
    """The blocks, and the fairness verdict (None: nothing to check)."""
    found = figures(crowd, inputs.before, inputs.after)
    fair = check(crowd)
    opens = datetime.fromtimestamp(crowd.opens_at_ms / 1000, UTC)
    intro = words(
        "intro",
        lang,
        users=f"{len(crowd.users):,}",
        opens_at=f"{opens:%Y-%m-%d %H:%M:%S} UTC",
        carriers=crowd.meta.get("carriers", "?"),
        seats=crowd.meta.get("seats", "?"),
        window=_num(crowd.meta.get("window_seconds")),
    )
    blocks: list[Block] = [
        Heading(2, words("title", lang)),
        Paragraph(intro),
        Paragraph(_machine(inputs, found, lang)),
        _table(crowd, found, lang),
        *_curve(found, lang),
        *_fairness(fair, lang),
    ]
    return blocks, fair.ok
