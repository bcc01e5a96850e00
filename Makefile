# itris-sync — every target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench bundle install chromium clean

run: install  ## the demo: sandbox + backend + worker, sign-in details printed
	$(BIN)/itris-sync demo

# The engine and API suites again on PostgreSQL + Redis, the scale-out storage.
SCALE_SUITES := tests/test_accounts.py tests/test_integration_api.py tests/test_settings.py \
	tests/test_campaigns.py tests/test_jobs.py tests/test_sync_engine.py \
	tests/test_sync_matching.py tests/test_sync_reliability.py tests/test_migrations.py \
	tests/test_fuzz.py tests/test_security.py tests/test_lookup_cache.py tests/test_kept_lookups.py \
	tests/test_database.py tests/test_sync_log.py tests/test_company_mirror.py \
	tests/test_distributed.py

test: install chromium lint  ## every test, browser tests included
	$(BIN)/pytest
	@if $(BIN)/python tests/services.py; then \
		set -- $$($(BIN)/python tests/services.py --urls); \
		echo "== the engine and API suites on PostgreSQL ($$1) + Redis ($$2)"; \
		ITRIS_SYNC_TEST_DATABASE_URL=$$1 ITRIS_SYNC_TEST_QUEUE_URL=$$2 $(BIN)/pytest $(SCALE_SUITES); \
	else echo "PostgreSQL or Redis is not answering: skipped the scale-out run (SQLite run above passed)"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install chromium  ## benchmarks: figures printed and written to bench-results/
	@mkdir -p bench-results
	@set -e; found=0; for f in tests/bench/bench_*.py; do \
		[ -e "$$f" ] || continue; found=1; echo "== $$f"; $(BIN)/python "$$f"; done; \
	[ $$found = 1 ] || echo "no benchmarks under tests/bench/ yet"

bundle: install  ## rebuild extension/content/bundle.js from the content script's modules
	$(BIN)/python tools/bundle_content.py

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# Playwright cannot download its own browser here: the e2e tests use Debian's chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		[ -n "$$ITRIS_SYNC_CHROMIUM" ] || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) .pytest_cache bench-results
