"""The waiting room in Redis: its keys, and every read and script, with typed replies.

Per concert `c` (all keys under the deployment prefix):
  queue:seq:c        INCR counter: the FIFO sequence
  queue:waiting:c    sorted set token -> sequence   (position = ZRANK + 1, O(log n))
  queue:polled:c     sorted set token -> last poll ms (idle expiry is a range read)
  queue:active:c     sorted set token -> expiry ms   (ZCARD = active count)
  queue:users:c      hash user_id -> live token      (one token per user per concert)
  queue:admission:c  hash last_ms, carry, rate       (the admission clock and measured rate)
  queue:concert:c    "1"/"0" with a short TTL        (concert existence, cached from PostgreSQL)
  queue:token:<t>    hash user_id, concert_id, sequence, status, expires_ms, reason
  queue:concerts     set of concert ids with a queue (what the scheduler walks)

Replies come back typed and decoded (replies.py): no caller reads a reply by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import redis.asyncio as redis_async

from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence
from seatgate.queue import replies, scripts
from seatgate.queue.replies import (
    AdmissionView,
    Candidate,
    Issued,
    Refused,
    Tick,
    TokenRecord,
    TokenState,
)
from seatgate.resources import Resources


@dataclass(frozen=True)
class ConcertKeys:
    seq: str
    waiting: str
    polled: str
    active: str
    users: str
    admission: str
    concert: str


class QueueStore:
    """Key naming, reads and scripts over one process's Redis client."""

    def __init__(self, resources: Resources) -> None:
        self.redis: redis_async.Redis = resources.redis
        self._key = resources.key
        self.outbox = resources.key("outbox")
        self.concerts = resources.key("queue", "concerts")
        self.token_prefix = resources.key("queue", "token", "")

    def for_concert(self, concert_id: int) -> ConcertKeys:
        def key(name: str) -> str:
            return str(self._key("queue", name, concert_id))

        return ConcertKeys(
            seq=key("seq"),
            waiting=key("waiting"),
            polled=key("polled"),
            active=key("active"),
            users=key("users"),
            admission=key("admission"),
            concert=key("concert"),
        )

    def token_key(self, token: str) -> str:
        return self.token_prefix + token

    async def issue(
        self, concert_id: int, *, token: str, user_id: int, now_ms: int, event: Occurrence
    ) -> Issued | Refused:
        """The user's live token for the concert, `token` if there was none (`new`)."""
        keys = self.for_concert(concert_id)
        script_keys = [keys.concert, keys.users, keys.seq, keys.waiting, keys.polled]
        script_keys += [self.token_key(token), self.concerts, self.outbox, keys.admission]
        args: list[scripts.Arg] = [self.token_prefix, token, user_id, concert_id, now_ms]
        args += outbox.stream_args([event])
        reply = replies.as_list(await scripts.ISSUE(self.redis, script_keys, args))
        kind = replies.text(reply[0])
        if kind not in ("NEW", "EXISTING"):
            return Refused(str(kind))
        return Issued(kind == "NEW", replies.text(reply[1]) or token, replies.state(reply[2]))

    async def poll(
        self, concert_id: int, *, token: str, user_id: int, now_ms: int
    ) -> TokenState | Refused:
        """The owner's status read: it keeps a WAITING token from going idle."""
        keys = self.for_concert(concert_id)
        script_keys = [self.token_key(token), keys.waiting, keys.polled, keys.admission]
        reply = await scripts.POLL(self.redis, script_keys, [token, now_ms, user_id])
        if reply is None:
            return Refused.NO_TOKEN
        values = replies.as_list(reply)
        return Refused.NOT_OWNER if len(values) == 1 else replies.state(values)

    async def token(self, token: str) -> TokenRecord | None:
        owner, status, sequence, expires = await self.redis.hmget(
            self.token_key(token), ["user_id", "status", "sequence", "expires_ms"]
        )
        if owner is None:
            return None
        return TokenRecord(
            int(owner), replies.text(status), replies.required_int(sequence), replies.ms(expires)
        )

    async def owner(self, token: str) -> int | None:
        owner = await self.redis.hget(self.token_key(token), "user_id")
        return None if owner is None else int(owner)

    async def owners(self, tokens: Sequence[str]) -> list[tuple[str, int]]:
        """The tokens that still exist, with their owners, in the order given."""
        if not tokens:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for token in tokens:
            pipe.hget(self.token_key(token), "user_id")
        owners = await pipe.execute()
        return [
            (token, int(owner))
            for token, owner in zip(tokens, owners, strict=True)
            if owner is not None
        ]

    async def cache_concert(self, concert_id: int, *, exists: bool, seconds: int) -> None:
        await self.redis.set(
            self.for_concert(concert_id).concert, "1" if exists else "0", ex=seconds
        )

    async def concert_ids(self) -> list[int]:
        return sorted(int(member) for member in await self.redis.smembers(self.concerts))

    async def admission(self, concert_id: int) -> AdmissionView:
        keys = self.for_concert(concert_id)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(keys.admission, ["last_ms", "carry"])
        pipe.zcard(keys.active)
        pipe.zcard(keys.waiting)
        (last, carry), active, waiting = await pipe.execute()
        return AdmissionView(
            None if last is None else int(last), float(carry or 0), int(active), int(waiting)
        )

    async def head(self, concert_id: int, count: int) -> list[Candidate]:
        """The first `count` waiting tokens, oldest first, with their sequence and owner."""
        if count <= 0:
            return []
        waiting = self.for_concert(concert_id).waiting
        head = await self.redis.zrange(waiting, 0, count - 1, withscores=True)
        # redis-py types the reply without its WITHSCORES shape: (member, score) pairs.
        pairs = cast(list[tuple[bytes, float]], head)
        sequences = {replies.text(member) or "": int(score) for member, score in pairs}
        owned = await self.owners(list(sequences))
        return [Candidate(token, sequences[token], owner) for token, owner in owned]

    async def due(
        self, concert_id: int, *, now_ms: int, idle_cutoff_ms: int, limit: int
    ) -> tuple[list[str], list[str]]:
        """ACTIVE tokens past their expiry, and tokens not polled since the cutoff."""
        keys = self.for_concert(concert_id)
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrangebyscore(keys.active, "-inf", now_ms, start=0, num=limit)
        pipe.zrangebyscore(keys.polled, "-inf", idle_cutoff_ms, start=0, num=limit)
        due_active, idle = await pipe.execute()
        return [replies.text(m) or "" for m in due_active], [replies.text(m) or "" for m in idle]

    async def admit(
        self,
        concert_id: int,
        tick: Tick,
        candidates: Sequence[tuple[Candidate, int, Occurrence]],
    ) -> int:
        """Admit the candidates still waiting, each until its expiry ms; how many were,
        or -1 when the tick was not applied (see `Tick`)."""
        keys = self.for_concert(concert_id)
        last = "" if tick.expected_last_ms is None else tick.expected_last_ms
        args: list[scripts.Arg] = [last, *tick[1:]]
        for candidate, expires_ms, event in candidates:
            args += [candidate.token, expires_ms, *outbox.stream_args([event])]
        script_keys = [keys.waiting, keys.polled, keys.active, keys.admission, self.outbox]
        script_keys += [self.token_key(candidate.token) for candidate, _, _ in candidates]
        return replies.integer(await scripts.ADMIT(self.redis, script_keys, args))

    async def expire(
        self,
        concert_id: int,
        *,
        mode: str,
        cutoff_ms: int,
        now_ms: int,
        retention_seconds: int,
        reason: str,
        tokens: Sequence[tuple[str, Occurrence]],
    ) -> list[str]:
        """Expire the live tokens given (mode `any`, or `active`/`idle` if still due at
        `cutoff_ms`); the tokens expired."""
        keys = self.for_concert(concert_id)
        args: list[scripts.Arg] = [mode, cutoff_ms, now_ms, retention_seconds, reason]
        for token, event in tokens:
            args += [token, *outbox.stream_args([event])]
        script_keys = [keys.waiting, keys.polled, keys.active, keys.users, self.outbox]
        script_keys += [self.token_key(token) for token, _ in tokens]
        expired = replies.as_list(await scripts.EXPIRE(self.redis, script_keys, args))
        return [replies.text(token) or "" for token in expired]
