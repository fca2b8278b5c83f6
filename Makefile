# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make run    install, migrate, load the demo case, serve on http://127.0.0.1:5000
#   make test   install the test tools, lint, run the suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test install install-dev translations migrate demo worker scheduler lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: install
	$(BIN)/flask translate compile

migrate: translations
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

worker: install
	$(BIN)/python -m workers

# One per site, beside the workers: enqueues the recurring jobs (workers/schedule.py).
scheduler: install
	$(BIN)/python -m workers --scheduler

lint: install-dev
	$(BIN)/ruff check .

# With TEST_DATABASE_URL set (CI: PostgreSQL) the suite runs there, then once more on SQLite,
# the embedded default, without the browser tests.
test: install-dev translations lint
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on SQLite (embedded default) ---"; \
		TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/python -m pytest -m "not browser and not services"; \
	fi

clean:
	rm -rf $(VENV) instance/meyasu.sqlite3
