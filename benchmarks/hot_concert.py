"""One concert is one hash slot, so one Redis node: how many token issues a second can
that node take? The real ISSUE script (captured from the store, with its event) is run
by `redis-benchmark` against the node that owns the concert's slot, each call a new user
and token, next to a bare INCR on the same node for scale.

    python -m tests.redis_cluster 7101 &    # or any cluster; then
    python -m benchmarks.hot_concert redis://127.0.0.1:7101/0

It leaves its keys (prefix `bench-hot:`) behind: run it on a throwaway cluster.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from seatgate.queue import scripts
from seatgate.queue import service as queue
from seatgate.queue.store import QueueStore
from seatgate.resources import Resources, redis_client
from seatgate.settings import load_settings

CONCERT_ID = 4242
REQUESTS = 200_000
CLIENTS = 50
USERS = 7_777_777  # the captured user id, replaced by a random one per call
RANDOM = "__rand_int__"  # redis-benchmark draws a number for each occurrence, each call


class Captured:
    keys: list[str]
    args: list[Any]


async def capture(url: str) -> tuple[list[str], list[Any], str, int]:
    """The ISSUE call of one new token (keys, args), its token, and the owning node's port."""
    settings = load_settings(redis_url=url, redis_cluster=True, redis_key_prefix="bench-hot:")
    resources = Resources(settings=settings, pool=None, redis=redis_client(settings))  # type: ignore[arg-type]
    store = QueueStore(resources)
    await store.cache_concert(CONCERT_ID, exists=True, seconds=3600)
    seen = Captured()
    real = scripts.ISSUE

    async def recording(redis: Any, keys: list[str], args: list[Any]) -> object:
        seen.keys, seen.args = list(keys), list(args)
        return await real(redis, keys, args)

    scripts.ISSUE = recording  # type: ignore[assignment]
    try:
        status, _ = await queue.issue_token(resources, user_id=USERS, concert_id=CONCERT_ID)
    finally:
        scripts.ISSUE = real
    node = resources.redis.get_node_from_key(seen.keys[0])  # type: ignore[union-attr]
    await resources.redis.aclose()
    assert node is not None
    return seen.keys, seen.args, status.token, int(node.port)


def bench(port: int, *command: str) -> float:
    options = ["-p", str(port), "-n", str(REQUESTS), "-c", str(CLIENTS), "-r", "1000000000"]
    done = subprocess.run(
        ["redis-benchmark", *options, "--csv", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    # "test","rps","avg_latency_ms",... and 5 more; the test's name holds unescaped quotes.
    last = done.stdout.strip().splitlines()[-1]
    return float(last.rsplit(",", 7)[1].strip('"'))


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:7101/0"
    keys, args, token, port = asyncio.run(capture(url))
    random_token = f"{CONCERT_ID}.{RANDOM}.sig"

    def randomized(value: object) -> str:
        text = str(value).replace(token, random_token)
        return RANDOM if text == str(USERS) else text

    command = [*map(randomized, keys), *map(randomized, args)]
    load = ["redis-cli", "-p", str(port), "script", "load", scripts.ISSUE.text]
    subprocess.run(load, check=True, capture_output=True)
    issue = bench(port, "EVALSHA", scripts.ISSUE.sha, str(len(keys)), *command)
    incr = bench(port, "INCR", f"bench-hot:{{c:{CONCERT_ID}}}:counter")
    print(
        f"hot concert on one node (127.0.0.1:{port}), redis-benchmark -c {CLIENTS} "
        f"-n {REQUESTS:,}: ISSUE script {issue:,.0f}/s (a new token and its outbox event "
        f"each), bare INCR {incr:,.0f}/s on the same node ({issue / incr:.2f}x)"
    )


if __name__ == "__main__":
    main()
