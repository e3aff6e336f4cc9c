"""PostgreSQL and Redis servers of a test's own, to stall (SIGSTOP), stop and resume.

Never the run's shared servers: other tests and other people's runs use those, and a
frozen shared server would fail them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from seatgate.db.migrate import upgrade
from seatgate.embedded.postgres import EmbeddedPostgres
from seatgate.embedded.redis import EmbeddedRedis
from seatgate.embedded.stack import ensure_database
from seatgate.http.problems import PROBLEM_MEDIA_TYPE


@dataclass
class OwnServers:
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    database_url: str

    @classmethod
    def start(cls, root: Path) -> OwnServers:
        postgres = EmbeddedPostgres(root, port=None)
        redis = EmbeddedRedis(root, port=None)
        postgres.start()
        try:
            redis.start()
            database_url = asyncio.run(ensure_database(postgres.url(), "seatgate_stall"))
            upgrade(database_url)
        except BaseException:
            redis.stop()
            postgres.stop()
            raise
        return cls(postgres=postgres, redis=redis, database_url=database_url)

    def stop(self) -> None:
        for server in (self.redis, self.postgres):
            self.resume(server)
            server.stop()

    @classmethod
    @contextmanager
    def running(cls, root: Path) -> Iterator[OwnServers]:
        """Started for the block, stopped (resumed first) at its end."""
        started = cls.start(root)
        try:
            yield started
        finally:
            started.stop()

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @staticmethod
    def _processes(server: EmbeddedPostgres | EmbeddedRedis) -> list[int]:
        """The server's process, then its children. PostgreSQL's backends each lead a
        session of their own (setsid), so a signal to the postmaster's group would stall
        no connection already open: each process is signalled."""
        process = server.server.process
        assert process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited meanwhile
            if int(fields[1]) == process.pid:
                children.append(int(stat.parent.name))
        return [process.pid, *children]

    def freeze(self, server: EmbeddedPostgres | EmbeddedRedis) -> None:
        # The parent first: once it is stopped it forks no new backend to miss.
        for pid in self._processes(server):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self, server: EmbeddedPostgres | EmbeddedRedis) -> None:
        if server.server.alive():
            for pid in self._processes(server):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    @contextmanager
    def frozen(self, server: EmbeddedPostgres | EmbeddedRedis) -> Iterator[None]:
        self.freeze(server)
        try:
            yield
        finally:
            self.resume(server)


@dataclass(frozen=True)
class Answer:
    name: str
    status: int
    seconds: float
    response: httpx.Response | None
    error: str = ""


Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def timed(http: httpx.AsyncClient, name: str, call: Call, deadline: float) -> Answer:
    """One request, waited for at most `deadline` seconds (a generous bound, not a
    measurement: the latency is reported, never asserted)."""
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(call(http), deadline)
    except TimeoutError:
        return Answer(name, 0, time.perf_counter() - started, None, f"no answer in {deadline} s")
    return Answer(name, response.status_code, time.perf_counter() - started, response)


async def all_at_once(
    http: httpx.AsyncClient, calls: dict[str, Call], *, copies: int, deadline: float
) -> list[Answer]:
    return list(
        await asyncio.gather(
            *(
                timed(http, f"{name}#{copy}", call, deadline)
                for name, call in calls.items()
                for copy in range(copies)
            )
        )
    )


def unavailable_problems(answers: list[Answer], retry_after: int) -> list[str]:
    """Every answer that is not a 503 DEPENDENCY_UNAVAILABLE problem with Retry-After."""
    wrong = []
    for answer in answers:
        response = answer.response
        if response is None:
            wrong.append(f"{answer.name}: {answer.error}")
            continue
        body: Any = response.json() if response.content else {}
        if (
            response.status_code != 503
            or response.headers.get("content-type") != PROBLEM_MEDIA_TYPE
            or body.get("code") != "DEPENDENCY_UNAVAILABLE"
            or response.headers.get("retry-after") != str(retry_after)
        ):
            wrong.append(f"{answer.name}: {response.status_code} {response.text[:200]}")
    return wrong


def report(title: str, answers: list[Answer]) -> None:
    slowest = max(answer.seconds for answer in answers)
    print(f"\n{title}: slowest {slowest:.2f} s")
    for answer in sorted(answers, key=lambda answer: answer.name):
        print(f"  {answer.name:<28} {answer.status} in {answer.seconds:.2f} s")


async def until_served(
    http: httpx.AsyncClient, calls: dict[str, Call], ok: set[int], *, deadline: float
) -> float:
    """Seconds until every call answers one of `ok`; AssertionError past `deadline`."""
    started = time.perf_counter()
    last: dict[str, str] = {}
    while time.perf_counter() - started < deadline:
        answers = await all_at_once(http, calls, copies=1, deadline=deadline)
        last = {answer.name: f"{answer.status} {answer.error}" for answer in answers}
        if all(answer.status in ok for answer in answers):
            return time.perf_counter() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"not served again within {deadline} s: {last}")
