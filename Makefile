# Each target bootstraps its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test lint bench register screenshots docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/upheld demo --out demo --serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks

# Refresh the screenshots in docs/ from the browser tests (needs Debian's Chromium).
screenshots: $(STAMP)
	UPHELD_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/test_browser.py -k screenshots

# Write the parts of docs/ that come from the code (the statistics catalogue's table).
docs: $(STAMP)
	$(BIN)/python scripts/write_docs.py

register: $(STAMP)
	$(BIN)/python scripts/build_register.py

clean:
	rm -rf $(VENV) demo .mypy_cache .pytest_cache .ruff_cache
