# Two entry points for a newcomer: `make preview` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: preview build check test golden bench clean

$(BIN)/site-builder: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

preview: $(BIN)/site-builder  ## build the sample site and serve it on http://127.0.0.1:8000/
	$(BIN)/site-builder serve

build: $(BIN)/site-builder
	$(BIN)/site-builder build

check: $(BIN)/site-builder
	$(BIN)/site-builder check

test: $(BIN)/site-builder  ## every test (needs Debian chromium and node; .ci/run installs them)
	$(BIN)/python -m pytest

golden: $(BIN)/site-builder  ## regenerate tests/golden/ from tests/sample_site/
	$(BIN)/python -m tests.golden

bench: $(BIN)/site-builder
	$(BIN)/python bench/run.py

clean:  ## delete generated output only; state/ (the send and post ledgers) is never deleted
	rm -rf site .cache dist
