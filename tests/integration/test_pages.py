"""The pages at / and /ops and their assets: versioned URLs, caching, nothing external."""

from __future__ import annotations

import re

import httpx

from seatgate.main import create_app
from seatgate.resources import Resources
from tests.http_helpers import assert_problem
from tests.integration.queue_helpers import with_settings

ASSET = re.compile(r'(?:src|href)="(/assets/([0-9a-f]{12})/([\w.]+))"')
# The SVG namespace is a name, not a place anything is loaded from.
URL = re.compile(r"https?://(?!www\.w3\.org/2000/svg)[^\s\"'`]+")


async def test_the_pages_name_their_assets_by_version(client: httpx.AsyncClient) -> None:
    for path, script in (("/", "app.js"), ("/ops", "ops.js")):
        page = await client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert 'data-profile="test"' in page.text
        found = ASSET.findall(page.text)
        assert script in {name for _, _, name in found}
        assert not URL.findall(page.text)
        for url, _, _ in found:
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_modules_import_only_their_siblings(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    [(_, version, _)] = [found for found in ASSET.findall(page) if found[2] == "app.js"]
    seen, todo = set(), ["app.js", "ops.js"]
    while todo:
        name = todo.pop()
        seen.add(name)
        body = (await client.get(f"/assets/{version}/{name}")).text
        assert not URL.findall(body), name
        imports = re.findall(r'from "\./([\w.]+)"|import "\./([\w.]+)"', body)
        todo += [a or b for a, b in imports if (a or b) not in seen]
    assert {"api.js", "queue.js", "seats.js", "checkout.js", "i18n.js", "charts.js"} <= seen


async def test_an_old_version_gets_the_file_uncached_and_an_unknown_one_a_problem(
    client: httpx.AsyncClient,
) -> None:
    old = await client.get("/assets/000000000000/app.js")
    assert old.status_code == 200
    assert old.headers["cache-control"] == "no-cache"
    assert old.headers["content-type"].startswith("text/javascript")
    assert_problem(await client.get("/assets/000000000000/nope.js"), 404, "NOT_FOUND")
    assert_problem(await client.get("/assets/000000000000/index.html"), 404, "NOT_FOUND")


async def test_prod_pages_offer_no_demo_user(clean: Resources) -> None:
    prod = with_settings(clean, profile="prod")
    transport = httpx.ASGITransport(app=create_app(prod.settings, resources=prod))
    async with httpx.AsyncClient(transport=transport, base_url="http://seatgate.test") as http:
        page = await http.get("/")
    assert 'data-profile="prod"' in page.text  # app.js shows the demo button for local/test only


async def test_assets_go_compressed_to_who_accepts_it(client: httpx.AsyncClient) -> None:
    plain = await client.get("/assets/any/i18n.js", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/assets/any/i18n.js", headers={"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.text == plain.text  # httpx decodes it
    assert "한국어" in plain.text
