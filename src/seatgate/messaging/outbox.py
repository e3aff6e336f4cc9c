"""Writing to the two outboxes, one writer each, always inside the change's own step.

PostgreSQL: `append` writes events with the connection of the caller's transaction. A
statement that decides some fields of its event itself (the hold, the payment) inlines
`insert_sql` instead, with the expression that fills them in, and passes `columns(...)`
as its parameters: one INSERT either way.

Redis: a waiting-room Lua script appends with `append_event` (APPEND_EVENT_LUA), from the
arguments `stream_args(...)` made; the relay reads the entries in messaging/stream.py.
There is one stream per hash tag (`stream_key`), so that on a Redis Cluster the stream
lies in the slot of the keys its script changes; the registry (`registry_key`), a set
written beside the scripts, names every stream for the relay to find (ADR 0012).
"""

from __future__ import annotations

from collections.abc import Sequence

from seatgate.db.executor import Executor
from seatgate.messaging.envelope import Occurrence

# Arrays, one element per event, bound to the parameters of `insert_sql`.
COLUMNS = 6


def columns(events: Sequence[Occurrence]) -> tuple[list[object], ...]:
    return (
        [event.envelope.event_id for event in events],
        [event.event_type.topic for event in events],
        [event.event_type.key_prefix for event in events],
        [event.event_type.key_field for event in events],
        [event.envelope.type for event in events],
        [event.envelope.model_dump(mode="json") for event in events],
    )


def insert_sql(
    *,
    first_param: int = 1,
    rows: str = "",
    fill: str = "'{}'::jsonb",
    aggregate: str | None = None,
) -> str:
    """The outbox INSERT of the events in `columns(...)`, bound from `$first_param` on.

    `fill` is a jsonb object of the data fields the statement itself decides, over `rows`
    (its FROM items, e.g. "reservation r"): no row there, no event. The Kafka key is the
    event type's rule applied to the completed data, so it may depend on a filled field.

    `aggregate`: when the statement draws the aggregate's id itself (the hold draws the
    reservation id), its expression over `rows`. It becomes the envelope's aggregate_id
    (`fill` puts it in the data), and the event gets a new random event_id: a fact about
    an id the statement has just drawn cannot have been written before, so there is
    nothing for a deterministic id to dedupe against.
    """
    params = ", ".join(
        f"${first_param + index}::{kind}[]"
        for index, kind in enumerate(("uuid", "text", "text", "text", "text", "jsonb"))
    )
    sources = f"{rows}, " if rows else ""
    event_id, envelope, drawn = "e.event_id", "jsonb_set(e.envelope, '{data}', d.data)", ""
    if aggregate is not None:
        event_id = "a.event_id"
        envelope += " || jsonb_build_object('event_id', a.event_id, 'aggregate_id', a.id)"
        drawn = f""",
         LATERAL (SELECT gen_random_uuid() AS event_id, ({aggregate})::text AS id) a"""
    return f"""INSERT INTO outbox (event_id, topic, key, event_type, envelope)
    SELECT {event_id}, e.topic, e.key_prefix || (d.data ->> e.key_field), e.event_type,
           {envelope}
    FROM {sources}unnest({params})
             AS e(event_id, topic, key_prefix, key_field, event_type, envelope),
         LATERAL (SELECT (e.envelope -> 'data') || {fill} AS data) d{drawn}
    ON CONFLICT (event_id) DO NOTHING"""  # noqa: S608 - from the repositories' constants


APPEND_SQL = insert_sql()


async def append(conn: Executor, events: Sequence[Occurrence]) -> None:
    """Append events to the outbox inside the caller's transaction (`conn`'s)."""
    if events:
        await conn.execute(APPEND_SQL, *columns(events))


def stream_key(prefix: str, tag: str) -> str:
    """The stream outbox of the keys tagged `{tag}`: `<prefix>outbox:{tag}`."""
    return f"{prefix}outbox:{{{tag}}}"


def registry_key(prefix: str) -> str:
    """The set of every stream outbox key. A script cannot write it (another slot), so
    the writer adds its stream (SADD) before its script first appends to it."""
    return f"{prefix}outbox:streams"


# Prepended to every script that appends to the stream outbox (or, in stream.py, copies
# entries to the record of published ones): entries always have these three fields.
APPEND_EVENT_LUA = """
local function append_event(stream, at, fill)
  local event = ARGV[at + 2]
  if fill then
    local decoded = cjson.decode(event)
    for name, value in pairs(fill) do decoded['data'][name] = value end
    event = cjson.encode(decoded)
  end
  redis.call('XADD', stream, '*', 'topic', ARGV[at], 'key', ARGV[at + 1], 'event', event)
end
"""
# `append_event(stream, at, fill)` reads an event's topic, key and envelope JSON from
# ARGV[at], ARGV[at + 1] and ARGV[at + 2]; `fill` (a Lua table, or nil) sets data fields
# only the script knows, such as the sequence INCR draws.
STREAM_ARGS = 3


def stream_args(events: Sequence[Occurrence]) -> list[str]:
    """`STREAM_ARGS` script arguments per event, in the order `append_event` reads them."""
    args: list[str] = []
    for event in events:
        args += [event.topic, event.key, event.envelope.model_dump_json()]
    return args
