"""The waiting-room dashboard shows every on-sale number operators need (issue 15): ETA
accuracy, abandonment (count and wait), pre-queue size, sold-out time and 429s."""

from __future__ import annotations

from seatgate.observability import dashboards
from tests.ops_tools import metric_names

ON_SALE_SERIES = {
    "seatgate_queue_eta_accuracy_bucket",
    "seatgate_queue_abandoned_total",
    "seatgate_queue_abandoned_wait_seconds_bucket",
    "seatgate_queue_prequeue",
    "seatgate_queue_sold_out_after_seconds",
    "seatgate_rate_limited_total",
}


def test_the_waiting_room_dashboard_charts_every_on_sale_metric() -> None:
    shown = {
        name
        for board, _, expr in dashboards.queries()
        if board == "waiting-room.json"
        for name in metric_names(expr)
    }
    assert not ON_SALE_SERIES - shown, sorted(ON_SALE_SERIES - shown)


def test_each_on_sale_panel_says_what_its_number_means() -> None:
    board = dashboards.DASHBOARDS["waiting-room.json"]
    on_sale = [
        panel
        for panel in board["panels"]
        if any(metric_names(t["expr"]) & ON_SALE_SERIES for t in panel["targets"])
    ]
    assert len(on_sale) == 6
    assert all(panel["description"] for panel in on_sale)
