# Two commands do everything: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
# `make run HOST=0.0.0.0` lets phones on the same (trusted) network join a workshop.
HOST ?= 127.0.0.1
PORT ?= 5000
BIN := $(VENV)/bin
export FLASK_APP := calibrate

.PHONY: run serve-prod test install install-dev test-packages debian-package clean bench screenshots translations
TRANSLATIONS := calibrate/translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

## Create the database, load the built-in exercises, create the demo trainer and serve on 127.0.0.1:5000.
run: install
	$(BIN)/calibrate init-db
	$(BIN)/calibrate load-exercises
	$(BIN)/calibrate create-demo-trainer
	$(BIN)/calibrate run --host $(HOST) --port $(PORT)

## Serve with gunicorn and gunicorn.conf.py (production: set the variables in README "Production" first).
serve-prod: install
	$(BIN)/gunicorn --config gunicorn.conf.py

## Debian's Chromium for the browser tests (Playwright cannot download browsers here) and HAProxy for the
## two-node tests behind a proxy, each installed only when missing.
test-packages:
	@test -x /usr/bin/chromium || $(MAKE) --no-print-directory debian-package PACKAGE=chromium
	@test -x /usr/sbin/haproxy || command -v haproxy >/dev/null || $(MAKE) --no-print-directory debian-package PACKAGE=haproxy

debian-package:
	@echo "Installing Debian $(PACKAGE) for the tests..."
	@SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get install -y $(PACKAGE) || { $$SUDO apt-get update && $$SUDO apt-get install -y $(PACKAGE); }

# With CALIBRATE_TEST_DATABASE_URL (PostgreSQL), these run a second time on SQLite, the database of `make run`:
# the participant flow (its upsert and reads are written per dialect), the stored data and the trainer's results.
SQLITE_TESTS := tests/participant tests/calibrate/domain tests/calibrate/test_models.py tests/trainer/test_results.py

## Run every test, one worker per core (set CALIBRATE_TEST_DATABASE_URL to use PostgreSQL, and SQLite for SQLITE_TESTS).
test: install-dev test-packages
	$(BIN)/python -m pytest -n auto --dist loadfile; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	if [ $$status -eq 0 ] && [ -n "$$CALIBRATE_TEST_DATABASE_URL" ]; then \
	  echo "Again on SQLite: $(SQLITE_TESTS)"; \
	  CALIBRATE_TEST_DATABASE_URL= $(BIN)/python -m pytest -n auto --dist loadfile -q $(SQLITE_TESTS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no SQLite tests: failing" >&2; exit 1; fi; \
	fi; \
	exit $$status

## Refresh the committed screenshots in docs/screenshots/ from the browser tests.
screenshots: install-dev test-packages
	CALIBRATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -q

## After changing user-visible text: collect it into messages.pot and update each language's messages.po.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
	  --project Calibrate -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

bench: install-dev
	$(BIN)/python benchmarks/bench_analysis.py

clean:
	rm -rf $(VENV) instance .pytest_cache
