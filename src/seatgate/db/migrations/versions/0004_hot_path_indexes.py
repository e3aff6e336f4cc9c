"""The hold's tables carry only what a hold needs to be checked against.

A hold inserts one reservation; each foreign key of that row locks its parent row
(`FOR KEY SHARE`) and each index is one more insertion. Measured with pgbench on the
hold statement (docs/decisions/0007): the seat, schedule and concert keys checked
nothing a hold could break (the statement takes all three from the seat row it updates,
and none of these rows is ever deleted) and cost ~25 % of its throughput;
`reservations_user_idx` had no reader. The user's key stays: a token signed for a user
this database does not know must fail the hold (404).

Revision ID: 0004
Revises: 0003
"""

from seatgate.db.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE reservations
    DROP CONSTRAINT IF EXISTS reservations_seat_id_fkey,
    DROP CONSTRAINT IF EXISTS reservations_schedule_id_fkey,
    DROP CONSTRAINT IF EXISTS reservations_concert_id_fkey;
DROP INDEX IF EXISTS reservations_user_idx;
"""

DOWNGRADE = """
CREATE INDEX IF NOT EXISTS reservations_user_idx ON reservations (user_id, id);
ALTER TABLE reservations
    ADD CONSTRAINT reservations_seat_id_fkey FOREIGN KEY (seat_id) REFERENCES seats (id),
    ADD CONSTRAINT reservations_schedule_id_fkey
        FOREIGN KEY (schedule_id) REFERENCES schedules (id),
    ADD CONSTRAINT reservations_concert_id_fkey
        FOREIGN KEY (concert_id) REFERENCES concerts (id);
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
