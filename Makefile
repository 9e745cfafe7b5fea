# The two commands a newcomer needs: `make run` and `make test`.
# PYTHON=/path/to/python3.12 overrides the interpreter the virtual environment is built from.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PYTHON ?= $(shell for candidate in python3.12 python3 python; do \
	if $$candidate -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then \
	echo $$candidate; break; fi; done)
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
SUPERVISE := $(BIN)/python -m studio.devservices

.PHONY: run test lint format bench soak manage backup restore lock clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    serve the site with its demo content at http://127.0.0.1:$(PORT)"
	@echo "make test   run the linters and the whole test suite (browser tests included)"
	@echo "make lint   ruff, the import layers and the type checker"
	@echo "make bench  run the benchmarks and print their figures"
	@echo "make soak   browse and book through gunicorn for SOAK_SECONDS (default 600), then check"
	@echo "make backup / make restore FROM=backups/<timestamp>   database and media"
	@echo "make manage ARGS='createsuperuser'   run a manage.py command with the services up"

$(STAMP): requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 is required and none was found."; \
		echo "Install it (e.g. 'pyenv install 3.12' or your system's python3.12 package)"; \
		echo "or point at one: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12"; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' || { \
		echo "$(PYTHON) is not Python 3.12; pass PYTHON=/path/to/python3.12"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	PORT=$(PORT) $(SUPERVISE) run

test: $(STAMP)
	@[ -x "$(CHROMIUM)" ] || { echo "The browser tests need Chromium at $(CHROMIUM)."; \
		echo "Install it with: sudo apt-get install chromium   (or set CHROMIUM=/path/to/chromium)"; exit 1; }
	@$(MAKE) --no-print-directory lint
	CHROMIUM=$(CHROMIUM) $(SUPERVISE) exec -- $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (style and common bugs), import-linter (the layers in docs/architecture.md), mypy with
# django-stubs (it loads the settings, which need the two URLs; nothing connects to them)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=postgres://typecheck/none REDIS_URL=redis://typecheck/0 $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(SUPERVISE) exec -- $(BIN)/python -m bench $(BENCH_ARGS)

# The soak test of `make test` (60 s there), run longer: make soak SOAK_SECONDS=1800
SOAK_SECONDS ?= 600
soak: $(STAMP)
	SOAK_SECONDS=$(SOAK_SECONDS) $(SUPERVISE) exec -- $(BIN)/python -m pytest tests/quality/test_soak.py -q -s

backup: $(STAMP)
	$(SUPERVISE) exec -- $(BIN)/python -m studio.backup create

restore: $(STAMP)
	@[ -n "$(FROM)" ] || { echo "Usage: make restore FROM=backups/<timestamp>"; exit 1; }
	$(SUPERVISE) exec -- $(BIN)/python -m studio.backup restore $(FROM)

manage: $(STAMP)
	$(SUPERVISE) exec -- $(BIN)/python manage.py $(ARGS)

# Regenerate the lock file after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --group dev --python-version 3.12 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
