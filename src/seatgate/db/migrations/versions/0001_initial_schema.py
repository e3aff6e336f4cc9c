"""Initial schema: users and ledger, catalog, seats, reservations, payments, idempotency,
the transactional outbox and the consumer side.

Revision ID: 0001
Revises:
"""

from seatgate.db.migrate import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    balance     bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Every balance change, so that balance = sum(delta) can be audited.
CREATE TABLE balance_ledger (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    delta       bigint NOT NULL CHECK (delta <> 0),
    reason      text NOT NULL CHECK (reason IN ('CHARGE', 'PAYMENT', 'INITIAL')),
    ref_id      bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX balance_ledger_user_idx ON balance_ledger (user_id, id);

CREATE TABLE concerts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL UNIQUE,
    artist      text NOT NULL DEFAULT '',
    venue       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schedules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    concert_id  bigint NOT NULL REFERENCES concerts (id),
    starts_at   timestamptz NOT NULL,
    UNIQUE (concert_id, starts_at)
);

-- The seat row is the arbiter of a hold: `UPDATE ... WHERE status = 'AVAILABLE'`.
CREATE TABLE seats (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id     bigint NOT NULL REFERENCES schedules (id),
    number          integer NOT NULL CHECK (number > 0),
    price           bigint NOT NULL CHECK (price >= 0),
    status          text NOT NULL DEFAULT 'AVAILABLE'
                    CHECK (status IN ('AVAILABLE', 'HELD', 'CONFIRMED')),
    reservation_id  bigint,
    UNIQUE (schedule_id, number)
);
CREATE INDEX seats_schedule_status_idx ON seats (schedule_id, status, number);

CREATE TABLE reservations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    seat_id       bigint NOT NULL REFERENCES seats (id),
    schedule_id   bigint NOT NULL REFERENCES schedules (id),
    concert_id    bigint NOT NULL REFERENCES concerts (id),
    price         bigint NOT NULL CHECK (price >= 0),
    status        text NOT NULL CHECK (status IN ('HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED')),
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at  timestamptz
);
-- At most one live reservation per seat, ever: the last line of defence
-- behind the guarded seat UPDATE.
CREATE UNIQUE INDEX reservations_one_live_per_seat
    ON reservations (seat_id) WHERE status IN ('HELD', 'CONFIRMED');
-- The expiry sweep reads only expired holds, so its cost follows their number.
CREATE INDEX reservations_held_expiry_idx ON reservations (expires_at) WHERE status = 'HELD';
CREATE INDEX reservations_user_idx ON reservations (user_id, id);

CREATE TABLE payments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reservation_id  bigint NOT NULL UNIQUE REFERENCES reservations (id),
    user_id         bigint NOT NULL REFERENCES users (id),
    amount          bigint NOT NULL CHECK (amount >= 0),
    status          text NOT NULL CHECK (status IN ('COMPLETED')),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key: a row with no response is a request still in flight.
CREATE TABLE idempotency_keys (
    user_id        bigint NOT NULL,
    scope          text NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status_code    integer,
    response       jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Transactional outbox: written in the transaction of the change it describes.
CREATE TABLE outbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       uuid NOT NULL UNIQUE,
    topic          text NOT NULL,
    key            text NOT NULL,
    event_type     text NOT NULL,
    envelope       jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz,
    lease_owner    uuid,
    lease_until    timestamptz,
    attempts       integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_pending_key_idx ON outbox (key, id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Consumer side: dedupe on event_id in the same transaction as the effect.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE sales_by_schedule (
    schedule_id     bigint PRIMARY KEY,
    concert_id      bigint NOT NULL,
    holds           bigint NOT NULL DEFAULT 0,
    releases        bigint NOT NULL DEFAULT 0,
    confirmations   bigint NOT NULL DEFAULT 0,
    revenue         bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS sales_by_schedule, processed_events, outbox, idempotency_keys, payments,
    reservations, seats, schedules, concerts, balance_ledger, users CASCADE;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
