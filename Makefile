# make run  : demo on SQLite + a cache every process shares (REDIS_URL, else files) at http://127.0.0.1:8000/admin/
# make test : the whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL override)
# make test-scale: tests/scale (marked scale): starts its own Redis password/TLS/Sentinel/Cluster, a PostgreSQL
#             replica, a PgBouncer and gunicorn/uvicorn servers on free loopback ports
# make bench: the benchmark table (see benchmarks/__main__.py)
# make frontend: rebuild the admin's editor.js and its licence notice from frontend/ (docs/frontend.md)
# make frontend-check: what CI runs: a fresh build must equal the committed files, then ESLint and node --test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
TYPECHECK_PATHS ?= tenant_registry tests
CHROMIUM ?= /usr/bin/chromium
PGBOUNCER ?= /usr/sbin/pgbouncer
APT_GET ?= apt-get
NPM ?= /usr/bin/npm
FRONTEND_STAMP := frontend/node_modules/.installed

.PHONY: run test test-scale bench-http lint typecheck check clean soak bench chromium pgbouncer npm \
	frontend frontend-check frontend-lint frontend-test

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

# Debian packages the tests drive, never a download of their own: installed here when missing (as root).
# $(call debian,<file it provides>,<package>,<make target>,<what for>)
define debian
@if [ -x "$(1)" ]; then exit 0; fi; \
if [ "$$(id -u)" != 0 ] || ! command -v $(APT_GET) >/dev/null 2>&1; then \
	echo "make $(3): $(1) is missing and cannot be installed here; as root run: apt-get install -y $(2)" >&2; \
	exit 1; \
fi; \
echo "make $(3): installing Debian's $(2) $(4) ($(APT_GET) install -y $(2))"; \
$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $(2) >/dev/null && \
[ -x "$(1)" ] || { echo "make $(3): $(APT_GET) install $(2) did not provide $(1)" >&2; exit 1; }
endef

chromium:
	$(call debian,$(CHROMIUM),chromium,test,for the browser tests)

pgbouncer:
	$(call debian,$(PGBOUNCER),pgbouncer,test-scale,for the pooler tests)

npm:
	$(call debian,$(NPM),npm,frontend-check,for the editor's build)

# Exactly the versions in package-lock.json; no install scripts (esbuild runs from its platform package).
$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json | npm
	cd frontend && $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

frontend: $(FRONTEND_STAMP)
	cd frontend && $(NPM) run --silent build

frontend-lint: $(FRONTEND_STAMP)
	cd frontend && $(NPM) run --silent lint

frontend-test: $(FRONTEND_STAMP)
	cd frontend && $(NPM) test --silent

frontend-check: $(FRONTEND_STAMP)
	cd frontend && $(NPM) run --silent check
	cd frontend && $(NPM) run --silent lint
	cd frontend && $(NPM) test --silent

test-scale: $(STAMP) pgbouncer
	DJANGO_SETTINGS_MODULE=project.test_settings $(BIN)/python -m pytest -m scale $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy $(TYPECHECK_PATHS)

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache project/db.sqlite3 frontend/node_modules

# make soak : readers and writers in two processes while our own redis-server is killed and restarted
#             (SOAK_SECONDS, default 60; DATABASE_URL names the soak database, created if missing)
soak: $(STAMP)
	DJANGO_SETTINGS_MODULE=project.test_settings $(BIN)/python -m tests.harness.soak

# make bench : every get_config tier beside its floor, on the real PostgreSQL and Redis (DATABASE_URL / REDIS_URL override)
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenant_registry_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m benchmarks

# make bench-http : requests/s of a view calling get_config beside the same view without it (gunicorn, 4 workers)
bench-http: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenant_registry_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m benchmarks.http
