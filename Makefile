# Patronage: `make run` serves the demo, `make test` runs every suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/patronage/static/vendor

.PHONY: run test test-sqlite test-postgres test-browser lint install dev vendor system-deps bench bench-deps mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

$(VENDOR)/htmx.min.js: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/

vendor: $(VENDOR)/htmx.min.js

run: install vendor
	$(BIN)/patronage migrate
	$(BIN)/patronage demo
	$(BIN)/patronage serve

system-deps:
	scripts/system-deps.sh

test: dev vendor system-deps lint test-sqlite test-postgres test-browser

lint: dev
	$(BIN)/ruff check .

test-sqlite: dev vendor
	$(BIN)/pytest -n 2 -m "not browser"

test-postgres: dev vendor
	scripts/with-postgres.sh $(BIN)/pytest -n 2 -m "not browser"

test-browser: dev vendor
	$(BIN)/pytest -m browser -p no:xdist

# Mutation testing of the customer rules (not part of `make test`): score per module and
# every surviving mutant; MUTATE_ARGS=--all for every mutant instead of a sample.
mutate: dev vendor
	$(BIN)/pip install --quiet -e '.[dev,mutate]'
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

bench-deps: install
	$(BIN)/pip install --quiet -e '.[bench]'

bench: bench-deps
	$(BIN)/python bench/demo_seed.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
