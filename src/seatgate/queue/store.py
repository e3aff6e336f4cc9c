"""The waiting room in Redis: its keys, and every read and script, with typed replies.

Per concert `c`, every key carries the hash tag `{c:<c>}` (all under the deployment
prefix), so one Lua script touches one slot of a Redis Cluster (ADR 0012):
  queue:{c:c}:seq        INCR counter: the FIFO sequence
  queue:{c:c}:waiting    sorted set token -> sequence   (position = ZRANK + 1, O(log n))
  queue:{c:c}:polled     sorted set token -> last poll ms (idle expiry is a range read)
  queue:{c:c}:active     sorted set token -> expiry ms   (ZCARD = active count)
  queue:{c:c}:users      hash user_id -> live token      (one token per user per concert)
  queue:{c:c}:admission  hash last_ms, carry, rate       (the admission clock and measured rate)
  queue:{c:c}:concert    "0" / "1" / "1:<opens ms>", short TTL (existence and the sale's
                         opening, cached from PostgreSQL)
  queue:{c:c}:prequeue   sorted set token -> issue ms   (before the opening: no place yet)
  queue:{c:c}:sale       hash pending, shuffled_ms, opened_ms, seats, sold_out_ms
  queue:{c:c}:order      list of the pre-queue's tokens as shuffled (kept for verification)
  queue:{c:c}:used       sorted set token -> last use ms (ACTIVE sessions' idle expiry)
  queue:{c:c}:token:<t>  hash user_id, concert_id, sequence, status, expires_ms, reason,
                         issued_ms, eta_from_ms, eta_rank, eta_rate
                         (a token begins with its concert id, so its key follows from it)
  outbox:{c:c}           the concert's stream outbox (messaging/outbox.py)
Global, written beside the scripts, never in one (`cache_concert`):
  queue:concerts         set of concert ids with a queue (what the scheduler walks)
  outbox:streams         set of stream outbox keys (what the relay walks)
A new script that writes a concert's keys must, like ISSUE, refuse a concert whose
`concert` key is missing: that key is set only once the concert is registered.

Replies come back typed and decoded (replies.py): no caller reads a reply by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from seatgate.messaging import outbox
from seatgate.messaging.envelope import Occurrence
from seatgate.queue import replies, scripts
from seatgate.queue.replies import (
    AdmissionView,
    Admitted,
    Candidate,
    ExpiredToken,
    Issued,
    Refused,
    Tick,
    TokenState,
    Touched,
)
from seatgate.resources import RedisClient, Resources


@dataclass(frozen=True)
class ConcertKeys:
    seq: str
    waiting: str
    polled: str
    active: str
    users: str
    admission: str
    concert: str
    token_prefix: str
    outbox: str
    prequeue: str
    sale: str
    order: str
    used: str

    def script_keys(self) -> list[str]:
        """The keys every script gets first, in scripts.CONCERT_KEYS_LUA's order."""
        return [
            self.concert,
            self.users,
            self.seq,
            self.waiting,
            self.polled,
            self.active,
            self.admission,
            self.outbox,
            self.prequeue,
            self.sale,
            self.used,
        ]


def concert_tag(concert_id: int | str) -> str:
    """The hash tag's content shared by every key of one concert."""
    return f"c:{concert_id}"


class QueueStore:
    """Key naming, reads and scripts over one process's Redis client."""

    def __init__(self, resources: Resources) -> None:
        self.redis: RedisClient = resources.redis
        self._prefix = resources.settings.redis_key_prefix
        self.concerts = resources.key("queue", "concerts")
        self.streams = outbox.registry_key(self._prefix)

    def _base(self, concert_id: int | str) -> str:
        return f"{self._prefix}queue:{{{concert_tag(concert_id)}}}:"

    def for_concert(self, concert_id: int | str) -> ConcertKeys:
        base = self._base(concert_id)
        return ConcertKeys(
            seq=base + "seq",
            waiting=base + "waiting",
            polled=base + "polled",
            active=base + "active",
            users=base + "users",
            admission=base + "admission",
            concert=base + "concert",
            token_prefix=base + "token:",
            outbox=outbox.stream_key(self._prefix, concert_tag(concert_id)),
            prequeue=base + "prequeue",
            sale=base + "sale",
            order=base + "order",
            used=base + "used",
        )

    def token_key(self, token: str) -> str:
        """The key of a token checked by `domain.concert_of_token`: it starts with its concert."""
        return f"{self._base(token.partition('.')[0])}token:{token}"

    async def issue(
        self,
        concert_id: int,
        *,
        token: str,
        user_id: int,
        now_ms: int,
        idle_ms: int,
        window_ms: int,
        event: Occurrence,
    ) -> Issued | Refused:
        """The user's live token for the concert, `token` if there was none (`new`)."""
        keys = self.for_concert(concert_id)
        script_keys = [*keys.script_keys(), self.token_key(token)]
        args: list[scripts.Arg] = [keys.token_prefix, token, user_id, concert_id, now_ms]
        args += [idle_ms, window_ms, *outbox.stream_args([event])]
        reply = replies.as_list(await scripts.ISSUE(self.redis, script_keys, args))
        kind = replies.text(reply[0])
        if kind not in ("NEW", "EXISTING"):
            return Refused(str(kind))
        return Issued(kind == "NEW", replies.text(reply[1]) or token, replies.state(reply[2]))

    async def poll(
        self, concert_id: int, *, token: str, user_id: int, now_ms: int, idle_ms: int
    ) -> TokenState | Refused:
        """The owner's status read: it keeps a WAITING token from going idle and renews an
        ACTIVE token's session."""
        keys = self.for_concert(concert_id)
        script_keys = [*keys.script_keys(), self.token_key(token)]
        args: list[scripts.Arg] = [token, now_ms, user_id, idle_ms]
        reply = await scripts.POLL(self.redis, script_keys, args)
        if reply is None:
            return Refused.NO_TOKEN
        values = replies.as_list(reply)
        return Refused.NOT_OWNER if len(values) == 1 else replies.state(values)

    async def touch(self, token: str, *, now_ms: int, idle_ms: int) -> Touched | None:
        """A token as a request with it finds it; an ACTIVE one's session is renewed."""
        keys = self.for_concert(token.partition(".")[0])
        script_keys = [*keys.script_keys(), self.token_key(token)]
        reply = await scripts.TOUCH(self.redis, script_keys, [now_ms, idle_ms, token])
        return replies.touched(reply)

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

    async def cache_concert(
        self, concert_id: int, *, exists: bool, seconds: int, opens_ms: int | None = None
    ) -> None:
        """Cache whether the concert exists. An existing one is first named in the global
        sets, which its scripts cannot write: since every script refuses a concert whose
        cache is missing, a concert is registered before anything is in its stream."""
        keys = self.for_concert(concert_id)
        if exists:
            # Two nodes on a cluster: each command is its own step, in this order.
            await self.redis.sadd(self.concerts, concert_id)
            await self.redis.sadd(self.streams, keys.outbox)
        value = "0" if not exists else "1" if opens_ms is None else f"1:{opens_ms}"
        await self.redis.set(keys.concert, value, ex=seconds)

    async def forget_concert(self, concert_id: int) -> None:
        """Drop the cached concert, so the next token issue reads its sale from PostgreSQL."""
        await self.redis.delete(self.for_concert(concert_id).concert)

    async def concert_ids(self) -> list[int]:
        return sorted(int(member) for member in await self.redis.smembers(self.concerts))

    async def admission(self, concert_id: int) -> AdmissionView:
        keys = self.for_concert(concert_id)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(keys.admission, ["last_ms", "carry"])
        pipe.zcard(keys.active)
        pipe.zcard(keys.waiting)
        pipe.zcard(keys.prequeue)
        (last, carry), active, waiting, prequeue = await pipe.execute()
        return AdmissionView(
            None if last is None else int(last),
            float(carry or 0),
            int(active),
            int(waiting),
            int(prequeue),
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
        self,
        concert_id: int,
        *,
        now_ms: int,
        idle_cutoff_ms: int,
        unused_cutoff_ms: int,
        limit: int,
    ) -> tuple[list[str], list[str], list[str]]:
        """ACTIVE tokens past their expiry, WAITING tokens not polled since the idle cutoff,
        ACTIVE tokens not used since the unused cutoff."""
        keys = self.for_concert(concert_id)
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrangebyscore(keys.active, "-inf", now_ms, start=0, num=limit)
        pipe.zrangebyscore(keys.polled, "-inf", idle_cutoff_ms, start=0, num=limit)
        pipe.zrangebyscore(keys.used, "-inf", unused_cutoff_ms, start=0, num=limit)
        found = await pipe.execute()
        due_active, idle, unused = ([replies.text(m) or "" for m in members] for members in found)
        return due_active, idle, unused

    async def admit(
        self,
        concert_id: int,
        tick: Tick,
        candidates: Sequence[tuple[Candidate, int, Occurrence]],
    ) -> list[Admitted] | None:
        """Admit the candidates still waiting, each until its expiry ms; the ETA inputs of
        those admitted, or None when the tick was not applied (see `Tick`)."""
        keys = self.for_concert(concert_id)
        last = "" if tick.expected_last_ms is None else tick.expected_last_ms
        args: list[scripts.Arg] = [last, *tick[1:]]
        for candidate, expires_ms, event in candidates:
            args += [candidate.token, expires_ms, *outbox.stream_args([event])]
        script_keys = keys.script_keys()
        script_keys += [self.token_key(candidate.token) for candidate, _, _ in candidates]
        return replies.admitted(await scripts.ADMIT(self.redis, script_keys, args))

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
    ) -> list[ExpiredToken]:
        """Expire the live tokens given (mode `any`, or `active`/`idle`/`unused` if still
        due at `cutoff_ms`); the tokens expired."""
        keys = self.for_concert(concert_id)
        args: list[scripts.Arg] = [mode, cutoff_ms, now_ms, retention_seconds, reason]
        for token, event in tokens:
            args += [token, *outbox.stream_args([event])]
        script_keys = keys.script_keys() + [self.token_key(token) for token, _ in tokens]
        return replies.expired(await scripts.EXPIRE(self.redis, script_keys, args))
