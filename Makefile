# 委託先監督ポータル — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_WORKERS ?= 2
# Root installs directly; anyone else needs sudo (asked for only when something is missing).
SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then echo sudo; fi)
FONT := /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf

.PHONY: help run test lint bench scheduler system-fonts system-browser clean

help:
	@echo "make run    - install, migrate, load demo data (first start), serve http://127.0.0.1:5000"
	@echo "make test   - install and run lint, type checks and the whole suite (SQLite + PostgreSQL)"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make lint   - ruff format --check, ruff check, mypy"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(RUN_STAMP) $@

# Japanese fonts embedded in generated PDFs (特記事項, inspection reports).
system-fonts:
	@test -f $(FONT) || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-ipaexfont-gothic fonts-ipaexfont-mincho; }

# Debian's chromium for the Playwright tests (Playwright's own browser download is not used).
system-browser:
	@command -v /usr/bin/chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

run: $(RUN_STAMP) system-fonts
	PORTAL_ENV=development $(BIN)/portal db upgrade
	PORTAL_ENV=development $(BIN)/portal demo load --if-empty
	PORTAL_ENV=development $(BIN)/portal run -h 127.0.0.1 -p 5000

scheduler: $(RUN_STAMP)
	PORTAL_ENV=development $(BIN)/portal scheduler

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(TEST_STAMP) system-fonts system-browser lint
	$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)').close()" \
		|| { echo "PostgreSQL is not reachable at $(PG_URL)"; exit 1; }
	@echo "== pytest on SQLite =="
	PORTAL_TEST_DB=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) -q
	@echo "== pytest on PostgreSQL (the database-free clause engine and upload checks ran above) =="
	PORTAL_TEST_DB=postgresql PORTAL_TEST_PG=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q \
		--ignore=tests/clausecheck --ignore=tests/filecheck

bench: $(TEST_STAMP) system-fonts
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
