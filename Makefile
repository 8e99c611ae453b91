# Two entry points for a newcomer: `make preview` and `make test`.
# What they install besides the Python packages in .venv/: tools/install-deps.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PYTHON

.PHONY: preview preview-deps cms build check test test-deps golden screenshots bench clean

$(BIN)/site-builder: pyproject.toml
	@RUN_AGAIN="make $(or $(MAKECMDGOALS),preview)" tools/install-deps preview
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# preview-deps first, as test-deps for test: node_modules/ follows package-lock.json on every run.
# The preview's forms post to `site-builder server` on this machine (README "Server").
preview cms: export SITE_BUILDER_SERVER_URL ?= http://127.0.0.1:8030
preview: preview-deps $(BIN)/site-builder  ## build the sample site and serve it on http://127.0.0.1:8000/
	$(BIN)/site-builder serve

# The preview with the web editor: http://127.0.0.1:8000/admin/ saves into this folder
# (decap-server, from npm ci, behind 127.0.0.1:8081; README "Editing locally").
cms: preview-deps $(BIN)/site-builder  ## the preview and the web editor /admin/, which writes into this folder
	$(BIN)/site-builder serve --cms

preview-deps:  ## python3-venv, nodejs/npm (as root; else prints the apt line), npm ci (Decap CMS for /admin/)
	@RUN_AGAIN="make $(or $(MAKECMDGOALS),preview)" tools/install-deps preview

build: $(BIN)/site-builder
	$(BIN)/site-builder build

check: $(BIN)/site-builder
	$(BIN)/site-builder check

# Listed first, so that one apt line covers python3-venv too on a bare machine.
test: test-deps $(BIN)/site-builder  ## install what the tests need (tools/install-deps), then every test
	$(BIN)/python -m pytest

test-deps:  ## Debian chromium, chromium-driver, fonts, strace, Java, nodejs/npm (as root; else prints the apt line), npm ci
	@RUN_AGAIN="make $(or $(MAKECMDGOALS),test)" tools/install-deps test

golden: $(BIN)/site-builder  ## regenerate tests/golden/ from tests/sample_site/
	$(BIN)/python -m tests.golden

screenshots: test-deps $(BIN)/site-builder  ## regenerate tests/screenshots/reference/ (10 page types at 1280 and 390 px)
	$(BIN)/python -m tests.screenshots

# LARGE=1 adds 20,000 items and the MkDocs baseline with pruned navigation at 5,000 (slow).
bench: $(BIN)/site-builder  ## every number of bench/results.md in one run: ours, Hugo, MkDocs, preview latency, search recall
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py $(if $(LARGE),--large)
	$(BIN)/python bench/recall.py

clean:  ## delete generated output only; state/ (the send and post ledgers) is never deleted
	rm -rf site .cache dist
