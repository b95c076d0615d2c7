# The commands people type. Each target installs what it needs first (scripts/bootstrap.sh is
# idempotent and fast when nothing changed).
VENV := .venv/bin
PYTEST_WORKERS ?= 2
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_POSTGRES_URL

.PHONY: install demo test lint typecheck unit postgres wheel-check bench model serve clean

install:
	@bash scripts/bootstrap.sh

demo: install
	$(VENV)/aggregator demo

serve: install
	$(VENV)/aggregator serve

lint: install
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

typecheck: install
	$(VENV)/mypy

unit: install
	$(VENV)/pytest -n $(PYTEST_WORKERS) -q

# The same database tests again on PostgreSQL; skipped with a reason when the server is not
# reachable, unless REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
postgres: install
	TEST_DATABASE=postgres $(VENV)/pytest -n $(PYTEST_WORKERS) -q -m db

# The package as users get it: the wheel installed in a fresh venv outside the checkout runs
# `aggregator demo --once` and serves a Finnish page with its styles (scripts/check_wheel.py).
wheel-check: install
	$(VENV)/python scripts/check_wheel.py

test: lint typecheck unit postgres wheel-check

# The last line is "all targets met" or "missed: ..." (every missed target on one line); a missed
# target exits 1. Make itself would turn a failed recipe into exit 2 plus its own error line, so
# `make bench` alone runs in question mode (-q): there a recipe's exit 1 is make's exit 1, quietly.
# A recipe runs under -q only when marked "+", so bench installs in its own recipe.
ifeq ($(MAKECMDGOALS),bench)
MAKEFLAGS += -q
endif

bench:
	+@bash scripts/bootstrap.sh && $(VENV)/python -m benchmarks

# The packaged learned-tagging model (what `aggregator classify` uses), retrained from the
# committed development labels; tests/tagging/test_quality.py fails when it is out of date.
model: install
	$(VENV)/aggregator tags train --no-database --no-measure --out aggregator/tagging/default_model.json

clean:
	rm -rf .venv node_modules .mypy_cache .ruff_cache .pytest_cache var test-artifacts
