# Jiceng: `make demo` to try it, `make test` to check it. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
SHELL := /bin/bash

.PHONY: install demo serve test test-fast lint fmt bench system-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

demo: install
	$(BIN)/jiceng demo

# The production server (gunicorn + static files) on this machine only; the development key is allowed
# here because it listens on 127.0.0.1 (set SECRET_KEY to serve for real; docs/production.md).
serve: install
	JICENG_ALLOW_DEV_KEY=$${JICENG_ALLOW_DEV_KEY:-1} $(BIN)/jiceng migrate --noinput
	JICENG_ALLOW_DEV_KEY=$${JICENG_ALLOW_DEV_KEY:-1} $(BIN)/jiceng serve --host 127.0.0.1 --port 8000

# System packages the browser and broker tests use (Chromium, Mosquitto), installed when missing.
system-deps:
	@bash .ci/system-deps

test: install system-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -q -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check jiceng bench
	$(BIN)/ruff format --check jiceng bench
	$(BIN)/mypy jiceng

fmt: install
	$(BIN)/ruff check --fix jiceng bench
	$(BIN)/ruff format jiceng bench

bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info
