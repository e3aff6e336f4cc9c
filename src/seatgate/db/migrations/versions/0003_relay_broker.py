"""The broker as the relay last saw it, so a broker that came back empty is noticed.

One row per topic prefix (environments sharing a database keep theirs apart): the
broker's cluster id and the ids of its topics (KIP-516) as a fingerprint, and when a
relay last saw that broker intact. When the fingerprint changes, the relay re-publishes
the rows published within `relay_republish_window_seconds` before `seen_at`.

Revision ID: 0003
Revises: 0002
"""

from seatgate.db.migrate import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE relay_broker (
    topic_prefix text PRIMARY KEY,
    fingerprint  text NOT NULL,
    seen_at      timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS relay_broker;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
