"""The metrics contract, scraped from a real `seatgate serve --with-workers` after the actions
that should move each metric: names and label values are what DESIGN.md, the alert rules,
the dashboards and the load-test report read. The alert rules are unit-tested on made-up
series (ops/prometheus/tests); this is the test that the app still produces those series."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from seatgate.catalog.service import seed_now
from seatgate.messaging.envelope import RESERVATIONS_TOPIC
from seatgate.messaging.outbox import stream_key
from seatgate.settings import Settings
from tests.api_process import running_api
from tests.conditions import wait_until
from tests.servers import RunServers, private_database

ROOT = Path(__file__).resolve().parents[2]
RICH = 1_000_000
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(base: str) -> Samples:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labelled(samples: Samples, name: str, label: str) -> dict[str, float]:
    """Values of `name` by one label, for series that carry only that label."""
    return {
        labels[0][1]: value
        for (sample, labels), value in samples.items()
        if sample == name and len(labels) == 1 and labels[0][0] == label
    }


@dataclass
class Buyer:
    http: httpx.Client
    headers: dict[str, str]


@dataclass
class Sale:
    base: str
    http: httpx.Client
    concert_id: int
    schedule_id: int
    prefix: str
    redis_url: str
    redis_prefix: str

    def buyer(self, balance: int) -> Buyer:
        created = self.http.post("/api/v1/dev/users", json={"balance": balance})
        assert created.status_code == 201, created.text
        headers = {"Authorization": f"Bearer {created.json()['token']}"}
        issued = self.http.post(
            "/api/v1/queue/tokens", json={"concert_id": self.concert_id}, headers=headers
        )
        assert issued.status_code == 201, issued.text
        headers["X-Queue-Token"] = issued.json()["token"]

        def active() -> bool:
            polled = self.http.get("/api/v1/queue/tokens/current", headers=headers)
            return bool(polled.json()["status"] == "ACTIVE")

        wait_until(active, what="admission")
        return Buyer(self.http, headers)

    def seats(self, buyer: Buyer) -> list[int]:
        listed = self.http.get(
            f"/api/v1/schedules/{self.schedule_id}/seats",
            params={"status": "AVAILABLE"},
            headers=buyer.headers,
        )
        assert listed.status_code == 200, listed.text
        return [seat["seat_id"] for seat in listed.json()["seats"]]

    def hold(self, buyer: Buyer, seat_id: int) -> httpx.Response:
        return self.http.post(
            "/api/v1/reservations",
            json={"schedule_id": self.schedule_id, "seat_id": seat_id},
            headers=buyer.headers,
        )

    def pay(self, buyer: Buyer, reservation_id: int) -> httpx.Response:
        return self.http.post(
            "/api/v1/payments", json={"reservation_id": reservation_id}, headers=buyer.headers
        )


@pytest.fixture
def sale(settings: Settings, servers: RunServers) -> Iterator[Sale]:
    prefix = f"mc{uuid.uuid4().hex[:8]}."
    redis_prefix = f"{servers.redis_key_prefix}{prefix}"
    with private_database(servers, "metrics") as url:
        seed_now(settings.model_copy(update={"database_url": url}), 1, 1, 20)
        env = {
            "SEATGATE_DATABASE_URL": url,
            "SEATGATE_KAFKA_TOPIC_PREFIX": prefix,
            "SEATGATE_REDIS_KEY_PREFIX": redis_prefix,
            "SEATGATE_HOLD_TTL_SECONDS": "2",
            "SEATGATE_ADMISSION_RATE_PER_SECOND": "100",
            "SEATGATE_CONSUMER_MAX_ATTEMPTS": "1",
        }
        with (
            running_api(settings, "--with-workers", **env) as base,
            httpx.Client(base_url=base, timeout=10) as http,
        ):
            concert_id = http.get("/api/v1/concerts").json()[0]["concert_id"]
            schedules = http.get(f"/api/v1/concerts/{concert_id}/schedules").json()
            schedule_id = schedules[0]["schedule_id"]
            yield Sale(base, http, concert_id, schedule_id, prefix, servers.redis_url, redis_prefix)


def _rule_and_dashboard_text() -> str:
    files = [*(ROOT / "ops" / "prometheus" / "rules").glob("*.yml")]
    files += [*(ROOT / "ops" / "grafana" / "dashboards").glob("*.json")]
    assert files
    return "\n".join(path.read_text() for path in files)


def _route_patterns_of_rules_and_dashboards() -> set[str]:
    """Every route the rules and panels select, as a regex: an exact `route="…"` escaped,
    each alternative of a `route=~`/`route!~` matcher as written."""
    text = _rule_and_dashboard_text()
    patterns = {re.escape(route) for route in re.findall(r'route=\\?"([^"\\]+)\\?"', text)}
    for matcher in re.findall(r'route!?~\\?"([^"\\]+)\\?"', text):
        patterns.update(matcher.split("|"))
    assert patterns, "no route label found in the rules and dashboards"
    return patterns


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_each_contract_metric_moves_with_its_action_and_carries_its_labels(sale: Sale) -> None:
    before = scrape(sale.base)
    rich, poor, rival = sale.buyer(RICH), sale.buyer(0), sale.buyer(RICH)
    free = sale.seats(rich)

    held = sale.hold(rich, free[0])
    assert held.status_code == 201, held.text
    taken = sale.hold(rival, free[0])
    assert (taken.status_code, taken.json()["code"]) == (409, "SEAT_UNAVAILABLE")
    refused = sale.hold(rival, 10**12)
    assert 400 <= refused.status_code < 500, refused.text
    assert sale.pay(rich, held.json()["reservation_id"]).status_code == 201
    again = sale.pay(rich, held.json()["reservation_id"])
    assert (again.status_code, again.json()["code"]) == (409, "ALREADY_PAID")

    poor_hold = sale.hold(poor, free[1])
    assert poor_hold.status_code == 201, poor_hold.text
    broke = sale.pay(poor, poor_hold.json()["reservation_id"])
    assert (broke.status_code, broke.json()["code"]) == (402, "INSUFFICIENT_BALANCE")

    lapsing = sale.hold(rival, free[2])
    assert lapsing.status_code == 201, lapsing.text

    def lapsed() -> bool:
        samples = scrape(sale.base)
        return samples.get(("seatgate_holds_expired_total", ()), 0) > before.get(
            ("seatgate_holds_expired_total", ()), 0
        )

    wait_until(lapsed, what="the expiry sweep")
    late = sale.pay(rival, lapsing.json()["reservation_id"])
    assert (late.status_code, late.json()["code"]) == (410, "RESERVATION_EXPIRED")

    _park_a_poison_message(sale)
    dlq_topic = f"{sale.prefix}{RESERVATIONS_TOPIC}.dlq"
    wait_until(
        lambda: (
            labelled(scrape(sale.base), "seatgate_dlq_messages_total", "topic").get(dlq_topic, 0)
            > 0
        ),
        what="a parked message",
    )
    wait_until(
        lambda: (
            set(labelled(scrape(sale.base), "seatgate_dependency_up", "dependency"))
            == {"database", "redis", "kafka"}
        ),
        what="every dependency reported",
    )
    wait_until(
        lambda: scrape(sale.base).get(("seatgate_outbox_pending", ()), -1) == 0,
        what="the outbox drained",
    )
    assert sale.http.get("/readyz").status_code == 200
    after = scrape(sale.base)
    _assert_moved(before, after, sale)


def _delta(before: Samples, after: Samples, name: str, label: str) -> dict[str, float]:
    old = labelled(before, name, label)
    return {
        value: count - old.get(value, 0)
        for value, count in labelled(after, name, label).items()
        if count - old.get(value, 0) > 0
    }


def _assert_moved(before: Samples, after: Samples, sale: Sale) -> None:
    reservations = _delta(before, after, "seatgate_reservations_total", "outcome")
    assert reservations == {"held": 3, "seat_unavailable": 1, "rejected": 1}
    payments = _delta(before, after, "seatgate_payments_total", "outcome")
    assert payments == {
        "completed": 1,
        "already_paid": 1,
        "insufficient_balance": 1,
        "expired": 1,
    }
    assert after[("seatgate_queue_tokens_issued_total", ())] >= 3
    assert after[("seatgate_queue_admitted_total", ())] >= 3
    # Each admission observes how right its first ETA was; the on-sale's other series exist.
    assert after[("seatgate_queue_eta_accuracy_count", ())] >= 3
    assert ("seatgate_queue_abandoned_total", ()) in after
    assert ("seatgate_queue_prequeue", ()) in after
    concert = str(sale.concert_id)
    assert concert in labelled(after, "seatgate_queue_waiting", "concert_id")
    assert labelled(after, "seatgate_queue_active", "concert_id")[concert] >= 1
    assert labelled(after, "seatgate_dependency_up", "dependency") == {
        "database": 1,
        "redis": 1,
        "kafka": 1,
    }
    assert after[("seatgate_outbox_oldest_age_seconds", ())] == 0  # nothing left to wait
    published = labelled(after, "seatgate_events_published_total", "topic")
    assert f"{sale.prefix}{RESERVATIONS_TOPIC}" in published
    routes = {
        (labels["method"], labels["route"], labels["status"])
        for (name, label_items), _ in after.items()
        if name == "http_requests_total" and (labels := dict(label_items))
    }
    # A renamed route would leave an alert or a panel matching nothing, silently.
    labelled_routes = {route for _, route, _ in routes}
    unlabelled = {
        pattern
        for pattern in _route_patterns_of_rules_and_dashboards()
        if not any(re.fullmatch(pattern, route) for route in labelled_routes)
    }
    assert not unlabelled, f"rules or dashboards select routes the app never labels: {unlabelled}"
    expected: set[tuple[str, Any, str]] = {
        ("POST", "/api/v1/queue/tokens", "201"),
        ("POST", "/api/v1/reservations", "201"),
        ("POST", "/api/v1/reservations", "409"),
        ("POST", "/api/v1/payments", "201"),
        ("GET", "/api/v1/schedules/{schedule_id}/seats", "200"),
    }
    assert expected <= routes


def _park_a_poison_message(sale: Sale) -> None:
    """What a broken producer would write: the consumer must park it, not loop on it."""
    client = redis.Redis.from_url(sale.redis_url)
    try:
        # The concert's own stream outbox, one the relay reads (registered with the concert).
        client.xadd(
            stream_key(sale.redis_prefix, f"c:{sale.concert_id}"),
            {"topic": RESERVATIONS_TOPIC, "key": "poison", "event": "{not json"},
        )
    finally:
        client.close()
