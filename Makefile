# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
# wsgi.py defaults to production; the Makefile's own `flask` commands run the
# development configuration (a random key kept in instance/secret_key).
PORT ?= 5000
# Links in the demo's e-mails name the port it is served on (PORT=8080 make run).
DEV := FORUM_CONFIG=development FORUM_BASE_URL=$${FORUM_BASE_URL:-http://127.0.0.1:$(PORT)}

.PHONY: demo-code lint run test setup catalogs pdf-deps system-deps browser-deps audit-deps test-sqlite test-postgres test-e2e bench translations clean

# The periodic work (discussion openings, e-mail, expiries) runs beside the server, in a second
# process (`flask forum worker`, every 30 seconds). Both run in the background so that the shell's
# `wait` returns on Ctrl-C or a SIGTERM to make; then both are stopped, and the worker also stops
# when the server ends on its own (a port already in use).
run: setup pdf-deps
	$(DEV) $(BIN)/flask db upgrade
	$(DEV) $(BIN)/flask forum seed-demo
	@echo "Serving the forum at http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	@$(DEV) $(BIN)/flask forum worker & worker=$$!; \
	$(DEV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT) & server=$$!; \
	trap 'kill $$server $$worker 2>/dev/null' INT TERM; \
	wait $$server; status=$$?; \
	kill $$server $$worker 2>/dev/null; wait; exit $$status

# The current second-factor code of a demo staff account: make demo-code EMAIL=moderator@forum.test
demo-code: setup
	@$(DEV) $(BIN)/flask forum demo-code $(EMAIL)

# The two databases' runs go side by side, one per core (each run is one process); each run's
# output is printed whole when it ends, so the two never interleave.
test: setup system-deps browser-deps audit-deps lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

# Everything, browser suite included, on SQLite.
test-sqlite: setup
	$(BIN)/python -m pytest -q

# The same suite (less the browser) against a throwaway PostgreSQL server.
test-postgres: setup system-deps
	scripts/with-postgres.sh $(BIN)/python -m pytest -q -m "not e2e"

test-e2e: setup system-deps browser-deps
	$(BIN)/python -m pytest -q tests/e2e

setup: $(VENV)/.installed catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

catalogs: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations

# Debian packages the suite needs: a PostgreSQL server with its client (pg_dump and pg_restore
# for `flask forum backup|restore`), Redis (the shared rate-limit store of the multi-worker test)
# and Chromium.
system-deps: pdf-deps
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/pg_dump /usr/lib/postgresql/*/bin/pg_restore >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then \
		echo "Installing postgresql, chromium, CJK and emoji fonts (screenshots) from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	fi
	@if [ ! -x /usr/bin/redis-server ]; then \
		echo "Installing redis-server from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	fi

# Pango, which WeasyPrint needs for the statistics report as PDF (`make run` serves it too).
pdf-deps:
	@if ! ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1; then \
		echo "Installing Pango (WeasyPrint: the statistics report as PDF) from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

# Style and static checks: the rules live in pyproject.toml ([tool.ruff]).
lint: setup
	$(BIN)/ruff check forum tests bench config.py wsgi.py
	$(BIN)/ruff format --check forum tests bench config.py wsgi.py

# Known vulnerabilities in the installed packages. Reports are printed but do
# not fail the suite; no network (or a slow advisory database) prints one line
# and goes on. The timeout keeps CI from hanging.
audit-deps: setup
	@scripts/audit-deps.sh $(BIN)

# axe-core for the accessibility checks, from the npm registry (pinned in package-lock.json).
browser-deps: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# wrk drives the pages; Debian's package, installed on first use.
bench: setup
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# Refresh the message catalogs after changing user-visible text.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --ignore-dirs=node_modules --ignore-dirs=".*" -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules .pytest_cache
