# The README's two commands are `make prove` and `make test`; both set up what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
FORGE   := node_modules/@foundry-rs/forge-linux-amd64/bin/forge
JOBS    ?= 2

.PHONY: help setup prove mutate test pytest forge lint bench clean

help:
	@echo "make prove   set up if needed, then run the whole pipeline on contracts/ and write reports/"
	@echo "make test    set up if needed, then run pytest and the forge suites"
	@echo "make lint    ruff and mypy"
	@echo "make mutate  the whole generated mutation campaign (every mutant); reports in build/mutation/"
	@echo "make bench   prover benchmark (per-property times, scaling, halmos side-by-side) + mutation campaign"

setup: $(STAMP) $(NODE_STAMP) build/.chromium

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# Two distributions, both editable: the engine (pyproject.toml) and this protocol's content
# (properties/pyproject.toml: models, properties, and the Slither plugin entry point).
$(STAMP): pyproject.toml properties/pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,ray]' -e ./properties
	touch $@

# `npm ci`: exactly the lock file (every platform's optional forge package is in it), never a rewrite.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Headless Chromium renders the HTML report in a test; Debian's package, installed once.
build/.chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: chromium could not be installed; the HTML rendering test will fail"; }
	@mkdir -p build && touch $@

prove: setup
	$(PY) -m vaultproof run . --jobs $(JOBS)

# Every generated mutant (thousands: its own CI job, not part of `make prove` or `make test`).
mutate: setup
	$(PY) -m vaultproof run . --jobs $(JOBS) --mutation-sample all --out build/mutation

# forge and pytest share nothing on disk (the evidence tests run forge on generated tests in build/repro/,
# the main suites compile into build/forge/), so they run side by side; pytest itself runs JOBS workers.
test: setup
	$(MAKE) --no-print-directory -j2 --output-sync=target forge pytest

pytest: setup
	$(PY) -m pytest -n $(JOBS) --dist loadgroup --durations=40

forge: $(NODE_STAMP)
	$(FORGE) test

lint: setup
	$(VENV)/bin/ruff check vaultproof models properties tests
	$(VENV)/bin/ruff format --check vaultproof models properties tests
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m vaultproof.bench .
	$(PY) -m vaultproof.mutation.bench . --mutants 200 --jobs $(JOBS)

clean:
	rm -rf build cache out crytic-export
