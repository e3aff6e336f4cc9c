"""A buyer in Chromium: from the concert list through the waiting room to a paid seat,
and two buyers racing for one seat."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Response, expect

from tests.browser.pages import (
    STEP_MS,
    Buyer,
    Sale,
    choose_concert,
    click_seat_now,
    open_buyer,
    pay,
    seat,
    sign_in_as_demo,
    wait_for_seat_map,
)


def test_a_buyer_waits_in_line_then_pays_for_a_seat(browser: Browser, sale: Sale) -> None:
    concert_id, title = sale.concert()
    ahead = [Buyer(sale.base, concert_id) for _ in range(2)]
    for buyer in ahead:
        buyer.wait_active()  # both ACTIVE places of the concert are taken
    page = open_buyer(browser, sale.base)
    sign_in_as_demo(page)
    choose_concert(page, title)

    expect(page.locator("#position")).to_have_text("1", timeout=STEP_MS)
    expect(page.locator("#ahead")).to_have_text("0")
    expect(page.locator("progress")).to_be_visible()
    expect(page.locator("#poll")).to_contain_text("Checking every")
    expect(page.locator("#spoken")).to_have_text("Your place in line: 1")  # aria-live
    for buyer in ahead:
        buyer.leave()

    wait_for_seat_map(page)
    expect(seat(page, 5)).to_have_class("seat free")
    seat(page, 5).click()
    expect(page.get_by_role("heading", name="Your seat is held")).to_be_visible(timeout=STEP_MS)
    expect(page.locator("#time-left")).to_contain_text("min")
    expect(page.locator("#pay")).to_contain_text("Add ₩")  # a demo user starts at ₩0
    pay(page)
    expect(page.locator("main")).to_contain_text("CONFIRMED")
    expect(page.locator("#reservation")).to_have_text(re.compile(r"^#\d+$"))


def test_the_seat_map_revalidates_and_works_from_the_keyboard(browser: Browser, sale: Sale) -> None:
    _, title = sale.concert()
    page = open_buyer(browser, sale.base)
    answers: list[Response] = []
    page.on("response", lambda answer: answers.append(answer) if "/seats" in answer.url else None)
    sign_in_as_demo(page)
    choose_concert(page, title)
    wait_for_seat_map(page)
    # The live refresh sends the seat map's ETag back: unchanged seats cost a 304.
    with page.expect_response(lambda answer: answer.status == 304, timeout=STEP_MS) as unchanged:
        pass
    first = next(answer for answer in answers if answer.status == 200)
    assert unchanged.value.request.headers["if-none-match"] == first.headers["etag"]

    seat(page, 1).focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
    focused = page.locator(".seat:focus")
    expect(focused).to_have_text("13")  # row A seat 1 → 3 → row B, ten seats on
    expect(focused).to_have_attribute("aria-label", re.compile(r"^Row B, seat 13, ₩[\d,]+, Free$"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your seat is held")).to_be_visible(timeout=STEP_MS)
    expect(page.locator("main")).to_contain_text("Row B 13")


def test_two_buyers_race_for_one_seat_and_the_loser_is_told(browser: Browser, sale: Sale) -> None:
    _, title = sale.concert()
    pages = [open_buyer(browser, sale.base) for _ in range(2)]
    for page in pages:
        sign_in_as_demo(page)
        choose_concert(page, title)
    for page in pages:
        wait_for_seat_map(page)
        expect(seat(page, 7)).to_have_class("seat free")

    for page in pages:
        click_seat_now(page, 7)  # both holds are sent before either answer is read
    for page in pages:
        expect(page.locator("#pay, #notice.error").first).to_be_visible(timeout=STEP_MS)

    winners = [page for page in pages if page.locator("#pay").count()]
    assert len(winners) == 1
    loser = next(page for page in pages if page not in winners)
    expect(loser.locator("#notice")).to_contain_text("that seat was just taken")
    expect(seat(loser, 7)).to_have_class("seat held")
    pay(winners[0])


def test_a_buyer_early_for_the_sale_waits_in_the_pre_queue_then_buys(
    browser: Browser, sale: Sale
) -> None:
    concert_id, title = sale.concert()
    sale.open_sale(concert_id, "+6")
    page = open_buyer(browser, sale.base)
    expect(page.locator(".card", has_text=title)).to_contain_text("Sale opens")
    sign_in_as_demo(page)
    choose_concert(page, title)

    expect(page.locator("#pre-sale")).to_have_text("The sale has not opened yet")
    expect(page.locator("#opens-in")).to_contain_text("Opens in")
    expect(page.locator("#position")).to_have_count(0)  # no place before the shuffle
    wait_for_seat_map(page)
    seat(page, 2).click()
    expect(page.get_by_role("heading", name="Your seat is held")).to_be_visible(timeout=STEP_MS)


def test_the_identity_providers_token_is_taken_from_the_fragment_and_the_language_switches(
    browser: Browser, sale: Sale
) -> None:
    user = httpx.post(f"{sale.base}/api/v1/dev/users", json={}, timeout=10).json()
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{sale.base}/?lang=en#token={user['token']}")
    expect(page.locator("#who")).to_have_text(f"User #{user['user_id']}")
    assert "token" not in page.url  # taken out of the address bar (and the history)
    page.locator("#lang").click()  # the switch redraws the page, header included
    expect(page.locator("h1")).to_have_text("공연")
    expect(page.locator("#who")).to_have_text(f"사용자 #{user['user_id']}")

    _, title = sale.concert()
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{sale.base}/?lang=en#token=not.a.token")  # e.g. expired, or signed elsewhere
    choose_concert(page, title)
    expect(page.locator("#notice")).to_contain_text("Please sign in again", timeout=STEP_MS)
    expect(page.locator("#demo")).to_be_visible()
