"""The waiting room's on-sale panels (issue 15): is the ETA users are told right, who gives
up and after how long, how many wait for the opening, when a sale sold out, and who is
refused 429. Shown on the waiting-room dashboard after its own panels."""

from __future__ import annotations

from seatgate.observability.panels import Panel


def _histogram(metric: str, q: float, window: str = "5m") -> tuple[str, str]:
    return (
        f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket[{window}])))",
        f"p{int(q * 100)}",
    )


ON_SALE = [
    Panel(
        "ETA accuracy (actual ÷ predicted wait)",
        (
            _histogram("seatgate_queue_eta_accuracy", 0.5),
            _histogram("seatgate_queue_eta_accuracy", 0.9),
            (
                "sum(rate(seatgate_queue_eta_accuracy_sum[5m])) / "
                "sum(rate(seatgate_queue_eta_accuracy_count[5m]))",
                "mean",
            ),
        ),
        description="Observed at each admission: 1 = the estimate was right, 2 = users waited "
        "twice as long as they were told, 0.5 = half.",
    ),
    Panel(
        "Abandoned waiting tokens per second",
        (("sum(rate(seatgate_queue_abandoned_total[1m]))", "abandoned"),),
        "ops",
        description="WAITING tokens expired because their owner stopped polling (left the "
        "page); their slot in line goes to the next user.",
    ),
    Panel(
        "How long abandoned users had waited",
        (
            _histogram("seatgate_queue_abandoned_wait_seconds", 0.5),
            _histogram("seatgate_queue_abandoned_wait_seconds", 0.9),
        ),
        "s",
        description="Short waits before leaving: the line looked hopeless (ETA, sold out).",
    ),
    Panel(
        "Pre-queue size",
        (("max(seatgate_queue_prequeue)", "waiting for the opening"),),
        description="Tokens issued before sale_opens_at, shuffled at the opening.",
    ),
    Panel(
        "Sold out after the opening",
        (("max by (concert) (seatgate_queue_sold_out_after_seconds)", "concert {{concert}}"),),
        "s",
        description="Seconds from sale_opens_at until admission stopped for sold-out.",
    ),
    Panel(
        "Rate limited (429) per second by scope",
        (("sum by (scope) (rate(seatgate_rate_limited_total[1m]))", "{{scope}}"),),
        "reqps",
        description="429 RATE_LIMITED by the limit that refused: per user or per client "
        "address (many users share one address behind a carrier NAT).",
    ),
]
