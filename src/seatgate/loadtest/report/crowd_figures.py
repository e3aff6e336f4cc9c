"""The flash crowd's figures: what the waiting room absorbed and how its users fared,
from the crowd's own lines, k6's points and the app's metrics before and after."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from seatgate.loadtest.report.crowd_inputs import ISSUE_ROUTE, POLL_ROUTE, CrowdInputs
from seatgate.loadtest.report.points import percentile
from seatgate.loadtest.report.prom import Scrape, delta, histogram_quantile

CURVE_STEP_S = 1


@dataclass(frozen=True)
class Rate:
    peak: float  # the busiest second
    mean: float  # over the seconds from the first answer to the last
    total: int


@dataclass(frozen=True)
class Distribution:
    count: int
    p50: float | None
    p90: float | None
    mean: float | None


@dataclass(frozen=True)
class CurvePoint:
    second: int  # from the opening
    arrived: int  # cumulative
    admitted: int  # cumulative, as the users saw it (first ACTIVE answer)
    waiting: int  # in line: arrived, not admitted, not yet ended (SOLD_OUT included)


@dataclass(frozen=True)
class CrowdFigures:
    users: int
    arrived: int
    prequeue: int
    outcomes: dict[str, int]
    tokens: Rate  # 2xx answers of POST /api/v1/queue/tokens
    polls: Rate  # 200 answers of GET /api/v1/queue/tokens/current
    refused: dict[int, int]  # non-2xx answers of those two routes, by status
    curve: tuple[CurvePoint, ...]
    eta_client: Distribution  # actual ÷ predicted wait, per admitted user
    eta_server: Distribution  # seatgate_queue_eta_accuracy over the run
    abandoned_server: Distribution  # seatgate_queue_abandoned_wait_seconds over the run
    abandoned_total: float | None  # seatgate_queue_abandoned_total over the run
    sold_out_seen_s: float | None  # first SOLD_OUT / no seat answer, from the opening
    sold_out_server_s: float | None  # seatgate_queue_sold_out_after_seconds{concert}
    rate_limited_server: dict[str, float]  # seatgate_rate_limited_total by scope


def _rate(counts: Counter[int]) -> Rate:
    if not counts:
        return Rate(0.0, 0.0, 0)
    span = max(counts) - min(counts) + 1
    total = sum(counts.values())
    return Rate(float(max(counts.values())), total / span, total)


def _answers(crowd: CrowdInputs, route: str, ok: range) -> Counter[int]:
    found: Counter[int] = Counter()
    for (name, status), seconds in crowd.answers.items():
        if name == route and status in ok:
            found.update(seconds)
    return found


def _refused(crowd: CrowdInputs) -> dict[int, int]:
    found: Counter[int] = Counter()
    for (_, status), seconds in crowd.answers.items():
        if not 200 <= status < 300:
            found[status] += sum(seconds.values())
    return dict(sorted(found.items()))


def _curve(crowd: CrowdInputs) -> tuple[CurvePoint, ...]:
    opens = crowd.opens_at_ms
    came = sorted(u.arrived_ms for u in crowd.users if u.arrived_ms is not None)
    if not came:
        return ()
    admitted = sorted(u.admitted_ms for u in crowd.users if u.admitted_ms is not None)
    gave_up = sorted(
        u.ended_ms for u in crowd.users if u.arrived_ms is not None and u.admitted_ms is None
    )
    first = (came[0] - opens) // 1000
    # up to the second before the last user ended: at the run's end everyone stops at once
    last = (max(u.ended_ms for u in crowd.users) - opens) // 1000 - 1
    points = []
    for second in range(first, last + 1, CURVE_STEP_S):
        at = opens + second * 1000
        arrived, entered = bisect_right(came, at), bisect_right(admitted, at)
        points.append(
            CurvePoint(second, arrived, entered, arrived - entered - bisect_right(gave_up, at))
        )
    return tuple(points)


def _eta_client(crowd: CrowdInputs) -> Distribution:
    ratios = [
        (u.admitted_ms - u.seen.at_ms) / 1000 / u.seen.eta_seconds
        for u in crowd.users
        if u.admitted_ms is not None and u.seen is not None and u.seen.eta_seconds > 0
    ]
    mean = sum(ratios) / len(ratios) if ratios else None
    return Distribution(len(ratios), percentile(ratios, 0.5), percentile(ratios, 0.9), mean)


def _histogram(before: Scrape | None, after: Scrape | None, name: str) -> Distribution:
    if after is None:
        return Distribution(0, None, None, None)
    count = sum(delta(before, after, f"{name}_count").values())
    total = sum(delta(before, after, f"{name}_sum").values())
    return Distribution(
        int(count),
        histogram_quantile(before, after, name, 0.5),
        histogram_quantile(before, after, name, 0.9),
        total / count if count else None,
    )


def _first_sold_out(crowd: CrowdInputs) -> float | None:
    seen = [u.sold_out_ms for u in crowd.users if u.sold_out_ms is not None]
    seen += [u.ended_ms for u in crowd.users if u.outcome == "NO_SEAT"]
    return (min(seen) - crowd.opens_at_ms) / 1000 if seen else None


def figures(crowd: CrowdInputs, before: Scrape | None, after: Scrape | None) -> CrowdFigures:
    concert = str(crowd.meta.get("concert_id"))
    scopes = delta(before, after, "seatgate_rate_limited_total") if after else {}
    return CrowdFigures(
        users=len(crowd.users),
        arrived=sum(1 for u in crowd.users if u.arrived_ms is not None),
        prequeue=sum(1 for u in crowd.users if u.prequeue),
        outcomes=dict(sorted(Counter(u.outcome for u in crowd.users).items())),
        tokens=_rate(_answers(crowd, ISSUE_ROUTE, range(200, 300))),
        polls=_rate(_answers(crowd, POLL_ROUTE, range(200, 201))),
        refused=_refused(crowd),
        curve=_curve(crowd),
        eta_client=_eta_client(crowd),
        eta_server=_histogram(before, after, "seatgate_queue_eta_accuracy"),
        abandoned_server=_histogram(before, after, "seatgate_queue_abandoned_wait_seconds"),
        abandoned_total=sum(delta(before, after, "seatgate_queue_abandoned_total").values())
        if after
        else None,
        sold_out_seen_s=_first_sold_out(crowd),
        sold_out_server_s=after.value("seatgate_queue_sold_out_after_seconds", concert=concert)
        if after
        else None,
        rate_limited_server={dict(k).get("scope", "?"): v for k, v in scopes.items()},
    )
