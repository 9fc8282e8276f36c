# OrderPulse — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export LITESTAR_APP := app:app
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-pg lint format translations extract-messages migrate demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Babel catalogs are compiled by the build, never committed as .mo.
translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages --statistics 2>&1 | grep -v '^$$' || true
	@ls translations/*/LC_MESSAGES/messages.mo >/dev/null

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --project OrderPulse --version 0.1 -k N_ -k ngettext:1,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching --ignore-obsolete

migrate: $(STAMP)
	mkdir -p var
	$(BIN)/litestar database upgrade --no-prompt

demo: migrate
	$(BIN)/litestar demo load

run: translations demo
	@echo "Serving OrderPulse on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/litestar run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL points at a server.
test: translations
	env -u DATABASE_URL $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on PostgreSQL ($$DATABASE_URL)"; $(BIN)/pytest; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache translations/*/LC_MESSAGES/*.mo
