"""Settings of the benchmark: the real PostgreSQL and Redis, a key prefix of its own, no DEBUG."""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenant_registry_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("TR_BENCH_RUN", uuid.uuid4().hex[:10])  # inherited by the stampede's child processes

from project.settings import *  # noqa: F403

DEBUG = False
RUN_PREFIX = f"trbench-{os.environ['TR_BENCH_RUN']}"
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": RUN_PREFIX,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
TENANT_REGISTRY = {
    "KEY_PREFIX": "tenant_config:",
    "CONFIG_DIR": os.environ.get("TR_BENCH_CONFIG_DIR") or None,
    "YAML_ONLY_TENANTS": ("bench-yaml-3kb", "bench-yaml-64kb"),
    "ENV_ALLOW": {"ESCALATION_NUMBER": "public"},
}
