# tazala: `make run` cleans corpus/ into a release in output/; `make test` runs the test suite.
# Both create .venv and install the pinned dependencies first; nothing else is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
STAMP := $(VENV)/.installed

# Prefect: no telemetry, state in the project, a quiet console (see flows/prefect_env.py).
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup run test lint eval clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	$(BIN)/python -m compileall -q flows
	touch $@

run: $(STAMP)
	$(BIN)/tazala run

lint: $(STAMP)
	$(BIN)/ruff check flows tests
	$(BIN)/ruff format --check flows tests

test: $(STAMP) lint
	$(BIN)/pytest -q

# The scoreboard on every gold set in $(SHARED)/gold, and the clean reference texts that
# must come out with no letter changed.
eval: $(STAMP)
	$(BIN)/tazala evaluate $(wildcard $(SHARED)/gold/*.jsonl) \
		--unchanged $(filter-out %LICENSE.txt,$(wildcard $(SHARED)/refdata/clean/*.txt))

clean-venv:
	rm -rf $(VENV)
