# aksnews: the two commands of the README quick start, and the pieces they are made of.
#   make run    set up .venv, fetch the AKS CHANGELOG into the default SQLite archive, print news
#   make test   set up .venv with the dev tools, then lint, type-check and run the whole suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Strict editable mode keeps mypy able to see aksnews.parsers and friends (see README, Layout);
# it links files, so adding a module means reinstalling: the folders are prerequisites.
PACKAGE_DIRS := aksnews aksnews/model aksnews/sources aksnews/knowledge aksnews/match aksnews/report aksnews/deliver aksnews/service aksnews/store aksnews/commands aksnews/inventory aksnews/web parsers notifiers templates alembic alembic/versions
INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run test lint typecheck pytest bench clean

run: $(VENV)/.installed
	$(BIN)/aksnews fetch

test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Run from outside the checkout so that mypy resolves aksnews through the installed mapping
# rather than the bare aksnews/ folder in the current directory.
typecheck: $(VENV)/.installed-dev
	cd / && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml --cache-dir $(CURDIR)/.mypy_cache -p aksnews

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py
	$(BIN)/python bench/ingest_revision.py
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/match.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/relnotes_accuracy.py --perf
	$(BIN)/python bench/aks_pathological.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(INSTALL) --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml $(PACKAGE_DIRS)
	$(INSTALL) -e . --config-settings editable_mode=strict
	touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml $(PACKAGE_DIRS)
	$(INSTALL) -e '.[dev]' --config-settings editable_mode=strict
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache test-output
