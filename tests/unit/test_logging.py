from __future__ import annotations

import logging

import orjson

from seatgate.observability.logging import JsonFormatter, request_id_var


def test_log_lines_are_json_with_the_request_id_and_extra_fields() -> None:
    record = logging.LogRecord(
        "seatgate.x", logging.WARNING, __file__, 1, "hold %s", ("failed",), None
    )
    record.code = "SEAT_UNAVAILABLE"
    token = request_id_var.set("req-123")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = orjson.loads(line)
    assert entry["msg"] == "hold failed"
    assert entry["request_id"] == "req-123"
    assert entry["code"] == "SEAT_UNAVAILABLE"
    assert entry["level"] == "warning"
