"""A hold that runs out (SEATGATE_HOLD_TTL_SECONDS=3 here) is shown as expired once the
server has released the seat, and the seat is free again on the map."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.pages import (
    STEP_MS,
    Sale,
    choose_concert,
    open_buyer,
    seat,
    sign_in_as_demo,
    wait_for_seat_map,
)


def test_a_hold_that_runs_out_is_shown_and_its_seat_comes_back(
    browser: Browser, short_hold_sale: Sale
) -> None:
    _, title = short_hold_sale.concert()
    page = open_buyer(browser, short_hold_sale.base)
    sign_in_as_demo(page)
    choose_concert(page, title)
    wait_for_seat_map(page)
    seat(page, 3).click()
    expect(page.get_by_role("heading", name="Your seat is held")).to_be_visible(timeout=STEP_MS)

    # The note comes only once GET /reservations/{id} answers EXPIRED.
    expect(page.locator("#notice")).to_contain_text("The seat was released", timeout=STEP_MS)
    expect(page.locator("#time-left")).to_have_text("Your hold expired")
    expect(page.locator("#pay")).to_have_count(0)
    page.get_by_role("button", name="Choose another seat").click()
    wait_for_seat_map(page)
    expect(seat(page, 3)).to_have_class("seat free")
