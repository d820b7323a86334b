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
# Debian packages. Serving needs python3-venv (for .venv), the Japanese fonts embedded in
# generated PDFs (特記事項, inspection reports) and tesseract (jpn, jpn_vert) with poppler's
# pdftoppm for the OCR of scanned contracts; the tests also need Debian's chromium for
# Playwright (its own browser download is not used), libatomic1 for Playwright's Node driver
# (a minimal Debian lacks it) and pg_dump/pg_restore (postgresql-client) for the backup round
# trip.
RUN_PACKAGES := python3-venv fonts-ipaexfont-gothic fonts-ipaexfont-mincho tesseract-ocr \
	tesseract-ocr-jpn tesseract-ocr-jpn-vert poppler-utils
TEST_PACKAGES := $(RUN_PACKAGES) chromium libatomic1 postgresql-client
SYSTEM_PACKAGES ?= $(TEST_PACKAGES)

.PHONY: help run serve test lint bench eval-ocr scheduler system-packages clean train-clauses \
	eval-clauses

help:
	@echo "make run    - install, migrate, load demo data (first start), serve http://127.0.0.1:5000"
	@echo "make test   - install and run lint, type checks and the whole suite (SQLite + PostgreSQL)"
	@echo "make serve  - production server (gunicorn), settings from the environment"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make eval-ocr - clause check of scanned versus text copies of labelled 特記事項"
	@echo "make lint   - ruff format --check, ruff check, mypy"
	@echo "make train-clauses - retrain the clause element model from tests/clausecheck/labelled"
	@echo "make eval-clauses  - grouped cross-validation of the clause check, and the real texts"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml scripts/fetch_axe.py | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python scripts/fetch_axe.py $(VENV)/axe-core
	touch $(RUN_STAMP) $@

# Checks each package with dpkg-query and installs only the missing ones, in one apt-get
# call: as root directly, otherwise through sudo (asked for only when something is missing).
system-packages:
	@$(SHELL) scripts/system-packages.sh $(SYSTEM_PACKAGES)

run: SYSTEM_PACKAGES = $(RUN_PACKAGES)
run: system-packages $(RUN_STAMP)
	PORTAL_ENV=development $(BIN)/portal db upgrade
	PORTAL_ENV=development $(BIN)/portal demo load --if-empty
	PORTAL_ENV=development $(BIN)/portal run -h 127.0.0.1 -p 5000

# The production server (gunicorn) with the settings in the environment; see docs/operations.md.
serve: SYSTEM_PACKAGES = $(RUN_PACKAGES)
serve: system-packages $(RUN_STAMP)
	$(BIN)/portal serve

scheduler: $(RUN_STAMP)
	PORTAL_ENV=development $(BIN)/portal scheduler

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: SYSTEM_PACKAGES = $(TEST_PACKAGES)
test: system-packages $(TEST_STAMP) lint
	$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)').close()" \
		|| { echo "PostgreSQL is not reachable at $(PG_URL)"; exit 1; }
	@echo "== pytest on SQLite =="
	PORTAL_TEST_DB=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) -q
	@echo "== pytest on PostgreSQL (the database-free clause engine, upload checks and page audit ran above) =="
	PORTAL_TEST_DB=postgresql PORTAL_TEST_PG=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q \
		--ignore=tests/clausecheck --ignore=tests/filecheck --ignore=tests/a11y \
		--ignore=tests/ocr/test_ocr_extract.py --ignore=tests/ocr/test_ocr_textfix.py

bench: SYSTEM_PACKAGES = $(RUN_PACKAGES)
bench: system-packages $(TEST_STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Scanned versus text copies of labelled 特記事項: recall of present and false-present.
eval-ocr: SYSTEM_PACKAGES = $(RUN_PACKAGES)
eval-ocr: system-packages $(TEST_STAMP)
	$(BIN)/python bench/eval_ocr.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

# The clause element model (portal/clausecheck/data/element_model.json.gz) and its evaluation;
# see docs/clausecheck.md.
train-clauses: $(TEST_STAMP)
	$(BIN)/portal clauses train

eval-clauses: $(TEST_STAMP)
	$(BIN)/python -m portal.clausecheck.evaluate
