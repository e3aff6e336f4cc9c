"""Index the outbox rows under lease, so the relay's per-key order check stays cheap.

Only rows a relay has leased and not yet published are in it (a handful per relay),
so the claim finds the keys held by other relays without reading the backlog.

Revision ID: 0002
Revises: 0001
"""

from seatgate.db.migrate import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX outbox_leased_key_idx ON outbox (key, id)
    WHERE published_at IS NULL AND lease_owner IS NOT NULL;
"""

DOWNGRADE = """
DROP INDEX IF EXISTS outbox_leased_key_idx;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
