"""A real Chromium (Debian's, driven by Playwright) against `seatgate serve` processes
with their workers, each on a database, Redis prefix and topic prefix of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from seatgate.catalog.service import seed_now
from seatgate.settings import Settings
from tests.api_process import running_api, seatgate_env
from tests.browser.pages import Sale
from tests.ops_tools import required_tool
from tests.servers import RunServers, private_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONCERTS = 6
SEATS = 20
# Two ACTIVE buyers per concert at most, so a third one waits in line with a place.
MAX_ACTIVE = "2"
T = TypeVar("T")


# Module scope: Playwright's sync API runs an event loop on this thread while it lives,
# and the suite's async tests need the thread's loop back once a module is done. The
# run's servers start first, since starting them calls asyncio.run on this thread.
@pytest.fixture(scope="module")
def browser(servers: RunServers) -> Iterator[Browser]:
    del servers
    chromium = required_tool("chromium", "chromium-browser", package="chromium")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def off_thread(work: Callable[[], T]) -> T:
    """`work` on another thread: it may call asyncio.run while Playwright's loop runs here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@contextmanager
def a_sale(settings: Settings, servers: RunServers, name: str, **env: str) -> Iterator[Sale]:
    """Seeded concerts served by `seatgate serve --with-workers` with `env`."""
    prefix = f"{name}{uuid.uuid4().hex[:8]}."
    database = private_database(servers, name)
    url = off_thread(database.__enter__)
    try:
        seeding = settings.model_copy(update={"database_url": url})
        off_thread(lambda: seed_now(seeding, CONCERTS, 1, SEATS))
        env = {
            "SEATGATE_DATABASE_URL": url,
            "SEATGATE_KAFKA_TOPIC_PREFIX": prefix,
            "SEATGATE_REDIS_KEY_PREFIX": f"{servers.redis_key_prefix}{prefix}",
            "SEATGATE_MAX_ACTIVE_USERS": MAX_ACTIVE,
            **env,
        }
        with running_api(settings, "--with-workers", **env) as base:
            concerts = httpx.get(f"{base}/api/v1/concerts", timeout=10).json()
            found = [(c["concert_id"], c["title"]) for c in concerts]
            yield Sale(base, found, seatgate_env(settings, **env))
    finally:
        off_thread(lambda: database.__exit__(None, None, None))


@pytest.fixture(scope="session")
def sale(settings: Settings, servers: RunServers) -> Iterator[Sale]:
    with a_sale(settings, servers, "browser") as found:
        yield found


@pytest.fixture(scope="module")
def short_hold_sale(settings: Settings, servers: RunServers) -> Iterator[Sale]:
    with a_sale(settings, servers, "browserhold", SEATGATE_HOLD_TTL_SECONDS="3") as found:
        yield found
