# Jiliang — two commands on a fresh machine with Python 3.11+:
#   make run    set up, build the demo province, serve on http://127.0.0.1:8000
#   make test   set up (incl. Debian packages and a loopback PostgreSQL) and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export JILIANG_DATA_DIR ?= var

.PHONY: run test setup sysdeps lint test-sqlite test-postgresql demo screenshots clean

$(BIN)/jiliang: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(BIN)/jiliang

setup: $(BIN)/jiliang

demo: setup
	test -f $(JILIANG_DATA_DIR)/jiliang.db || $(BIN)/jiliang demo

run: demo
	$(BIN)/jiliang serve --host $(HOST) --port $(PORT)

sysdeps:
	bash scripts/install-system-deps.sh

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src/jiliang/core

test-sqlite: setup sysdeps
	env -u JILIANG_DATABASE_URL $(BIN)/pytest -n 2 --dist loadfile

test-postgresql: setup sysdeps
	url=$$(bash scripts/pg-start.sh /tmp/jiliang-pg 54329) && \
	  JILIANG_DATABASE_URL=$$url $(BIN)/pytest -m "not browser" tests/platform tests/uncertainty_budgets tests/unit_inspections tests/comparisons tests/dcc tests/verification tests/certificates tests/netcontent_inspections tests/campaigns tests/credit; \
	  status=$$?; bash scripts/pg-stop.sh /tmp/jiliang-pg; exit $$status

test: lint test-sqlite test-postgresql

screenshots: setup
	$(BIN)/python scripts/screenshots.py http://$(HOST):$(PORT)

clean:
	rm -rf $(VENV) var
