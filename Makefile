# Two commands on a fresh clone: `make run` (dashboard; demo data without credentials) and
# `make test` (every test). Both create .venv and install what they need on first use.
# The browser tests (tests/e2e) need Debian's chromium (`apt-get install chromium`); without it
# they skip, and with CI set they fail. They run in their own pytest process, because
# Playwright's sync API leaves an event loop behind.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-requirements
TEST_STAMP := $(VENV)/.test-requirements
PORT ?= 8501

.PHONY: run test lint screenshots upgrade-pins clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# constraints.txt pins every package to the version CI tested, so installs are reproducible.
$(RUN_STAMP): requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(TEST_STAMP): requirements.txt requirements-dev.txt requirements-e2e.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-e2e.txt -c constraints.txt
	touch $@

run: $(RUN_STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

test: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest tests --ignore=tests/e2e
	$(PY) -m pytest tests/e2e

lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# PNGs of every page in tests/e2e/test_browser.py's PAGES, in docs/screenshots/.
screenshots: $(TEST_STAMP)
	$(PY) scripts/screenshots.py

# Re-resolve the newest versions the requirement ranges allow and pin them; then run make test.
upgrade-pins:
	rm -rf .venv-pins
	$(PYTHON) -m venv .venv-pins
	.venv-pins/bin/python -m pip install --quiet --upgrade pip
	.venv-pins/bin/python -m pip install --quiet -r requirements-e2e.txt
	( echo "# Exact versions CI tested; pip installs apply them with -c (see README: upgrading)."; \
	  .venv-pins/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf .venv-pins $(RUN_STAMP) $(TEST_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
