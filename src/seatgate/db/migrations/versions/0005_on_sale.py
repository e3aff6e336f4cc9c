"""The on-sale: a concert's scheduled opening, its shuffle seed, and tickets per user.

`sale_opens_at` NULL means the sale is open from the start. `sale_seed` is drawn when the
sale is scheduled; its SHA-256 is published at once and the seed itself only after the
pre-queue was shuffled (`sale_shuffled_at`), which the waiting room decides in Redis and
records here.

`ticket_counts` holds the live or confirmed reservations of one user for one concert. A
hold increments it in the hold's own statement; the CHECK against the limit the hold
wrote makes the increment that would pass it fail the whole statement, so two
concurrent holds of one user wait on the row lock and the second re-checks against the
first's count. The expiry sweep decrements it.

Revision ID: 0005
Revises: 0004
"""

from seatgate.db.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE concerts
    ADD COLUMN sale_opens_at    timestamptz,
    ADD COLUMN sale_seed        bytea,
    ADD COLUMN sale_shuffled_at timestamptz;
-- The scheduler's look for openings due: only scheduled sales not yet shuffled are in it.
CREATE INDEX concerts_sale_due_idx ON concerts (sale_opens_at)
    WHERE sale_opens_at IS NOT NULL AND sale_shuffled_at IS NULL;
CREATE TABLE ticket_counts (
    user_id      bigint NOT NULL REFERENCES users (id),
    concert_id   bigint NOT NULL REFERENCES concerts (id),
    tickets      integer NOT NULL CHECK (tickets >= 0),
    max_tickets  integer NOT NULL,
    PRIMARY KEY (user_id, concert_id),
    CONSTRAINT ticket_counts_within_limit CHECK (tickets <= max_tickets)
);
INSERT INTO ticket_counts (user_id, concert_id, tickets, max_tickets)
SELECT user_id, concert_id, count(*), count(*)
FROM reservations
WHERE status IN ('HELD', 'CONFIRMED')
GROUP BY user_id, concert_id;
"""

DOWNGRADE = """
DROP TABLE IF EXISTS ticket_counts;
DROP INDEX IF EXISTS concerts_sale_due_idx;
ALTER TABLE concerts
    DROP COLUMN IF EXISTS sale_opens_at,
    DROP COLUMN IF EXISTS sale_seed,
    DROP COLUMN IF EXISTS sale_shuffled_at;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
