# make run  : demo on SQLite + a cache every process shares (REDIS_URL, else files) at http://127.0.0.1:8000/admin/
# make test : the whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL override)
# make test-scale: tests/scale (marked scale): starts its own Redis password/TLS/Sentinel/Cluster, a PostgreSQL
#             replica and gunicorn/uvicorn servers on free loopback ports
# make bench: the benchmark table (see benchmarks/__main__.py)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
CHROMIUM ?= /usr/bin/chromium
APT_GET ?= apt-get

.PHONY: run test test-scale bench-http lint typecheck check clean soak bench chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	env -u DATABASE_URL $(BIN)/python manage.py migrate --no-input
	env -u DATABASE_URL $(BIN)/python manage.py import_tenants --only-new
	env -u DATABASE_URL $(BIN)/python -m project.create_admin
	@echo "Serving the admin at http://127.0.0.1:8000/admin/ (Ctrl-C to stop)"
	env -u DATABASE_URL $(BIN)/python manage.py runserver --insecure 127.0.0.1:8000

test: $(STAMP) chromium
	DJANGO_SETTINGS_MODULE=project.test_settings $(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's chromium, never a Playwright download: installed here when missing (as root).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v $(APT_GET) >/dev/null 2>&1; then \
		echo "make test: $(CHROMIUM) is missing and cannot be installed here; as root run: apt-get install -y chromium" >&2; \
		exit 1; \
	fi; \
	echo "make test: installing Debian's chromium for the browser tests ($(APT_GET) install -y chromium)"; \
	$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium >/dev/null && \
	[ -x "$(CHROMIUM)" ] || { echo "make test: $(APT_GET) install chromium did not provide $(CHROMIUM)" >&2; exit 1; }

test-scale: $(STAMP)
	DJANGO_SETTINGS_MODULE=project.test_settings $(BIN)/python -m pytest -m scale $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy tenant_registry

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache project/db.sqlite3

# make soak : readers and writers in two processes while our own redis-server is killed and restarted
#             (SOAK_SECONDS, default 60; DATABASE_URL names the soak database, created if missing)
soak: $(STAMP)
	DJANGO_SETTINGS_MODULE=project.test_settings $(BIN)/python -m tests.soak

# make bench : every get_config tier beside its floor, on the real PostgreSQL and Redis (DATABASE_URL / REDIS_URL override)
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenant_registry_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m benchmarks

# make bench-http : requests/s of a view calling get_config beside the same view without it (gunicorn, 4 workers)
bench-http: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenant_registry_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m benchmarks.http
