"""The operator console at /ops follows a sale as it happens."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from seatgate.settings import DEV_OPERATOR_TOKEN
from tests.browser.pages import STEP_MS, Buyer, Sale


def open_console(browser: Browser, base: str, token: str) -> Page:
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/ops?lang=en#token={token}")
    return page


def test_the_console_shows_the_sale_moving(browser: Browser, sale: Sale) -> None:
    concert_id, title = sale.concert()
    page = open_console(browser, sale.base, DEV_OPERATOR_TOKEN)
    card = page.locator(f'[data-concert="{concert_id}"]')
    expect(card.locator("h2")).to_contain_text(title, timeout=STEP_MS)

    def figure(name: str) -> str:
        return f'[data-metric="{concert_id}.{name}"] .value'

    expect(card.locator(figure("sales"))).to_have_text("0")
    expect(card.locator(figure("revenue"))).to_have_text("₩0")
    expect(page.locator("#alerts")).to_contain_text("not connected")

    buyer = Buyer(sale.base, concert_id)
    buyer.wait_active()
    expect(card.locator(figure("active"))).to_have_text("1", timeout=STEP_MS)
    buyer.buy(concert_id, 1, pay=False)
    expect(card.locator(figure("holds"))).to_have_text("1", timeout=STEP_MS)
    other = Buyer(sale.base, concert_id)
    other.wait_active()
    price = other.buy(concert_id, 2, pay=True)

    expect(card.locator(figure("sales"))).to_have_text("1", timeout=STEP_MS)
    expect(card.locator(figure("revenue"))).to_have_text(f"₩{price:,}", timeout=STEP_MS)
    expect(card.locator(f'[data-metric="{concert_id}.sales"] polyline')).to_have_count(1)
    expect(card.locator(figure("rate"))).to_contain_text("/ 50")
    # The consumer runs beside this API (--with-workers): its lag is reported, not absent.
    expect(page.locator('[data-metric="lag"] .value')).to_have_text(re.compile(r"^\d+$"))
    buyer.leave()
    other.leave()


def test_the_console_refuses_a_wrong_token(browser: Browser, sale: Sale) -> None:
    page = open_console(browser, sale.base, "not-the-operator-token")
    expect(page.locator("#notice")).to_contain_text("refused", timeout=STEP_MS)
    expect(page.locator("#token")).to_be_visible()
