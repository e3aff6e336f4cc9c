"""ops/prometheus and ops/alertmanager: valid for the real tools, every alert unit-tested
both ways and linked to its runbook section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.ops_tools import OPS, ROOT, run_tool

RULES = sorted((OPS / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((OPS / "prometheus" / "tests").glob("*.yml"))
RUNBOOK = ROOT / "docs" / "runbook.md"
REQUIRED_ALERTS = {
    "SeatgateHighErrorRate",
    "SeatgateTokenIssueSuccessLow",
    "SeatgateReservationSuccessLow",
    "SeatgateHighLatencyP95",
    "SeatgateOutboxStale",
    "SeatgateConsumerLagHigh",
    "SeatgateDbPoolSaturated",
    "SeatgateProcessDown",
    "SeatgateNotReady",
    "SeatgateBrokerUnreachable",
    "SeatgateLoadTestFailing",
}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def alerts() -> dict[str, dict[str, Any]]:
    return {
        rule["alert"]: rule
        for path in RULES
        for group in load(path)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_promtool_accepts_the_config_and_rules() -> None:
    run_tool("promtool", "check", "config", OPS / "prometheus" / "prometheus.yml")
    run_tool("promtool", "check", "rules", *RULES)


def test_promtool_unit_tests_pass() -> None:
    output = run_tool("promtool", "test", "rules", *RULE_TESTS)
    assert output.count("SUCCESS") == len(RULE_TESTS)


def test_amtool_accepts_the_alertmanager_config() -> None:
    run_tool("amtool", "check-config", OPS / "alertmanager" / "alertmanager.yml")


def test_alertmanager_routes_to_slack_from_a_secret_file_and_to_a_webhook() -> None:
    config = load(OPS / "alertmanager" / "alertmanager.yml")
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    oncall = receivers[config["route"]["receiver"]]
    assert oncall["slack_configs"][0]["api_url_file"].startswith("/run/secrets/")
    assert "api_url" not in oncall["slack_configs"][0]
    assert oncall["webhook_configs"][0]["url"].startswith("http")


def test_every_alert_of_the_issue_exists() -> None:
    assert set(alerts()) >= REQUIRED_ALERTS


def test_every_alert_is_tested_firing_and_silent() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in load(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    assert set(alerts()) <= firing
    assert set(alerts()) <= silent


def test_every_alert_links_to_its_runbook_section() -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in RUNBOOK.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    for name, rule in alerts().items():
        url = rule["annotations"]["runbook_url"]
        assert url == f"docs/runbook.md#{name.lower()}", name
        assert name.lower() in headings, f"docs/runbook.md has no section for {name}"
        assert rule["annotations"]["summary"]
