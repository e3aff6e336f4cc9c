"""What a buyer does on the pages, step by step, and API helpers to fill a line."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conditions import wait_until

# Long enough for a loaded two-core machine; a bound, not a speed claim.
STEP_MS = 30_000


@dataclass
class Sale:
    base: str
    concerts: list[tuple[int, str]]
    env: dict[str, str]  # a seatgate command's environment against this sale
    used: set[int] = field(default_factory=set)

    def open_sale(self, concert_id: int, at: str) -> None:
        """`seatgate sale open --concert … --at …`: the concert's line waits for `at`."""
        command = [sys.executable, "-m", "seatgate", "sale", "open"]
        command += ["--concert", str(concert_id), "--at", at]
        subprocess.run(command, env=self.env, capture_output=True, timeout=60, check=True)

    def concert(self) -> tuple[int, str]:
        """A concert no other test of this sale has used."""
        for concert in self.concerts:
            if concert[0] not in self.used:
                self.used.add(concert[0])
                return concert
        raise AssertionError("the sale has no unused concert left; seed more")


def open_buyer(browser: Browser, base: str, lang: str = "en") -> Page:
    page = browser.new_context(locale="ko-KR" if lang == "ko" else "en-US").new_page()
    page.goto(f"{base}/?lang={lang}")
    return page


def sign_in_as_demo(page: Page) -> None:
    page.locator("#demo").click()
    expect(page.locator("#who")).not_to_be_empty(timeout=STEP_MS)


def choose_concert(page: Page, title: str) -> None:
    """The concert's first performance: the page then takes a place in its line."""
    card = page.locator(".card", has=page.get_by_role("heading", name=title, exact=True))
    card.get_by_role("button").click()
    expect(page.locator("h1")).to_have_text(title, timeout=STEP_MS)
    page.locator(".card button").first.click()


def wait_for_seat_map(page: Page) -> None:
    expect(page.locator(".seat").first).to_be_visible(timeout=STEP_MS)


def seat(page: Page, number: int) -> Locator:
    return page.locator(".seat").filter(has_text=re.compile(rf"^{number}$"))


def click_seat_now(page: Page, number: int) -> None:
    """Clicks without waiting for what follows, so two pages' holds are in flight at once."""
    page.evaluate(
        "n => [...document.querySelectorAll('.seat')].find(b => b.textContent === n).click()",
        str(number),
    )


def pay(page: Page) -> None:
    """Pays the hold on screen, topping the balance up first when the page offers it."""
    expect(page.locator("#balance")).to_contain_text("₩", timeout=STEP_MS)
    page.locator("#pay").click()
    expect(page.locator("#confirmed")).to_be_visible(timeout=STEP_MS)


class Buyer:
    """A buyer through the API: fills a line so that a browser user waits with a place."""

    def __init__(self, base: str, concert_id: int) -> None:
        self.http = httpx.Client(base_url=base, timeout=10)
        user = self.http.post("/api/v1/dev/users", json={}).json()
        self.http.headers["Authorization"] = f"Bearer {user['token']}"
        answer = self.http.post("/api/v1/queue/tokens", json={"concert_id": concert_id})
        answer.raise_for_status()
        self.http.headers["X-Queue-Token"] = answer.json()["token"]

    def status(self) -> str:
        answer = self.http.get("/api/v1/queue/tokens/current")
        answer.raise_for_status()
        return str(answer.json()["status"])

    def wait_active(self) -> None:
        wait_until(lambda: self.status() == "ACTIVE", what="admission of a line filler")

    def seats(self, concert_id: int) -> tuple[int, list[dict[str, int]]]:
        """The concert's first performance and its seats."""
        schedule = self.http.get(f"/api/v1/concerts/{concert_id}/schedules").json()[0]
        seats = self.http.get(f"/api/v1/schedules/{schedule['schedule_id']}/seats").json()
        return int(schedule["schedule_id"]), list(seats["seats"])

    def hold_every_seat(self, concert_id: int) -> None:
        schedule_id, seats = self.seats(concert_id)
        for each in seats:
            body = {"schedule_id": schedule_id, "seat_id": each["seat_id"]}
            assert self.http.post("/api/v1/reservations", json=body).status_code == 201

    def buy(self, concert_id: int, number: int, *, pay: bool) -> int:
        """Holds seat `number` of the concert's first performance (and pays for it)."""
        schedule_id, seats = self.seats(concert_id)
        chosen = next(s for s in seats if s["number"] == number)
        body = {"schedule_id": schedule_id, "seat_id": chosen["seat_id"]}
        held = self.http.post("/api/v1/reservations", json=body)
        assert held.status_code == 201, held.text
        if pay:
            charge = {"amount": chosen["price"]}
            self.http.post("/api/v1/users/me/balance/charge", json=charge).raise_for_status()
            body = {"reservation_id": held.json()["reservation_id"]}
            paid = self.http.post("/api/v1/payments", json=body)
            assert paid.status_code == 201, paid.text
        return int(chosen["price"])

    def leave(self) -> None:
        """Frees the place in line (a paid token is already spent: nothing to leave)."""
        self.http.delete("/api/v1/queue/tokens/current")
        self.http.close()
