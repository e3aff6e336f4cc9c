"""Every page in both languages, captured: the README's pictures when
SEATGATE_TEST_SCREENSHOTS_DIR names a directory (`make screenshots`), else the run's
temporary one. Each capture first checks that its page shows what it should."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from seatgate.settings import DEV_OPERATOR_TOKEN, Settings
from tests.browser.conftest import a_sale
from tests.browser.pages import (
    STEP_MS,
    Buyer,
    Sale,
    choose_concert,
    pay,
    seat,
    sign_in_as_demo,
    wait_for_seat_map,
)
from tests.conditions import wait_until
from tests.servers import RunServers

WORDS = {
    "en": {"seats": "Pick a seat", "sold": "Sold out", "ops": "Operator console"},
    "ko": {"seats": "좌석 선택", "sold": "매진", "ops": "운영 콘솔"},
}


@pytest.fixture(scope="module")
def shots_sale(settings: Settings, servers: RunServers) -> Iterator[Sale]:
    # One buyer may hold a whole (small) performance, to show a sold-out line.
    with a_sale(settings, servers, "shots", SEATGATE_MAX_TICKETS_PER_USER="20") as found:
        yield found


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("SEATGATE_TEST_SCREENSHOTS_DIR")
    chosen = Path(named).resolve() if named else tmp_path_factory.mktemp("screenshots")
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def snap(page: Page, folder: Path, name: str, lang: str) -> None:
    expect(page.locator("#notice.error")).to_have_count(0)
    page.screenshot(path=folder / f"{name}.{lang}.png", full_page=True)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_page_in_both_languages(
    browser: Browser, shots_sale: Sale, shots_dir: Path, lang: str
) -> None:
    sale, words = shots_sale, WORDS[lang]
    (bought, title), (early, early_title), (gone, gone_title) = (sale.concert() for _ in range(3))
    sale.open_sale(early, "+900")  # inside the pre-queue window (30 min by default)
    context = browser.new_context(
        locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": 1000, "height": 640}
    )
    page = context.new_page()
    page.goto(f"{sale.base}/?lang={lang}")
    expect(page.locator(".card").first).to_be_visible(timeout=STEP_MS)
    snap(page, shots_dir, "1-concerts", lang)

    ahead = [Buyer(sale.base, bought) for _ in range(2)]
    for buyer in ahead:
        buyer.wait_active()
    ahead[0].buy(bought, 3, pay=False)
    behind = Buyer(sale.base, bought)
    sign_in_as_demo(page)
    page.locator(".card", has_text=title).get_by_role("button").click()
    expect(page.locator("h1")).to_have_text(title, timeout=STEP_MS)
    snap(page, shots_dir, "2-schedules", lang)
    page.locator(".card button").first.click()
    expect(page.locator("#position")).to_have_text("2", timeout=STEP_MS)
    snap(page, shots_dir, "3-waiting-room", lang)

    ahead[1].buy(bought, 4, pay=True)  # paying spends its token: one place in line frees
    for buyer in [*ahead, behind]:
        buyer.leave()
    wait_for_seat_map(page)
    expect(page.locator("h1")).to_have_text(words["seats"])
    expect(seat(page, 4)).to_have_class("seat sold")
    seat(page, 6).focus()
    snap(page, shots_dir, "4-seat-map", lang)
    seat(page, 6).click()
    expect(page.locator("#pay")).to_be_visible(timeout=STEP_MS)
    expect(page.locator("#balance")).to_contain_text("₩")
    snap(page, shots_dir, "5-hold", lang)
    pay(page)
    snap(page, shots_dir, "6-confirmation", lang)

    page.goto(f"{sale.base}/?lang={lang}")
    choose_concert(page, early_title)
    expect(page.locator("#pre-sale")).to_be_visible(timeout=STEP_MS)
    snap(page, shots_dir, "7-pre-sale", lang)

    holder = Buyer(sale.base, gone)
    holder.wait_active()
    holder.hold_every_seat(gone)
    # The line learns from the scheduler's next count; with the holder and two probes
    # the concert's two ACTIVE places are full, so a probe stays in line and sees it.
    probes = [Buyer(sale.base, gone) for _ in range(2)]
    wait_until(lambda: any(probe.status() == "SOLD_OUT" for probe in probes), what="sold out")
    page.goto(f"{sale.base}/?lang={lang}")
    choose_concert(page, gone_title)
    expect(page.locator("#soldOut")).to_have_text(words["sold"], timeout=STEP_MS)
    snap(page, shots_dir, "8-sold-out", lang)

    page.goto(f"{sale.base}/ops?lang={lang}#token={DEV_OPERATOR_TOKEN}")
    sales = page.locator(f'[data-metric="{bought}.sales"]')
    expect(sales.locator(".value")).to_have_text("2", timeout=STEP_MS)  # theirs and ours
    sales.locator("polyline").wait_for(state="attached", timeout=STEP_MS)  # two answers in
    expect(page.locator("h1")).to_have_text(words["ops"])
    snap(page, shots_dir, "9-operator-console", lang)
    context.close()
