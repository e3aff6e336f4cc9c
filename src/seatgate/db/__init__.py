"""PostgreSQL: pool, unit of work, migrations."""

# Every id is a PostgreSQL bigint: inputs above this are refused (422), never sent to SQL.
MAX_ID = 2**63 - 1
