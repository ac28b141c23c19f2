# Two commands for readers and authors: `make serve` and `make test`; `make test-fast` while editing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium serve test test-fast build clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes; safe to run any number of times.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[course,test]'
	touch $(STAMP)

chromium: install
	VENV=$(VENV) scripts/ensure-chromium

serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

test: install chromium
	$(BIN)/python -m pytest

# The edit loop: the checker's unit tests and the command as users run it, without the
# tests marked slow (site builds, the wheel in a fresh environment, browsers).
test-fast: install
	$(BIN)/python -m pytest -q tests/unit tests/acceptance -m "not slow"

build: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf site .pytest_cache
