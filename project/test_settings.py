"""The test suite's settings: the real PostgreSQL and Redis unless DATABASE_URL / REDIS_URL say otherwise."""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenant_registry")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
