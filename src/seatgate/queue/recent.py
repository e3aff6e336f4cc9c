"""The last status this process answered for each token, until the poll interval it
advertised has passed: a client polling sooner gets that same answer, without Redis.

Per process and bounded (least recently answered go first): another worker, or a token
pushed out, simply reads Redis again. A change its owner makes (leaving, paying) forgets
the entry here; a change the scheduler makes (admission) is seen at the next interval,
which is what the advertised interval promises.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import NamedTuple

from seatgate.queue.schemas import QueueStatus

CAPACITY = 50_000


class _Entry(NamedTuple):
    user_id: int
    status: QueueStatus
    until: float  # time.monotonic()


class RecentStatuses:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._capacity = capacity

    def get(self, token: str, user_id: int) -> QueueStatus | None:
        """The status answered lately, if its interval has not passed (owner only)."""
        entry = self._entries.get(token)
        if entry is None or entry.user_id != user_id:
            return None
        if entry.until <= time.monotonic():
            del self._entries[token]
            return None
        return entry.status

    def put(self, token: str, user_id: int, status: QueueStatus) -> None:
        until = time.monotonic() + status.poll_after_seconds
        self._entries[token] = _Entry(user_id, status, until)
        self._entries.move_to_end(token)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)


RECENT = RecentStatuses()
