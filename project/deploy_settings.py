"""The demo project as the app servers of the scale tests and the HTTP bench run it: DEBUG off, and
from the environment besides DATABASE_URL / REDIS_URL: REPLICA_DATABASE_URL (adds a ``replica``
alias and the primary/replica router), CONN_MAX_AGE, TR_CACHES (a JSON CACHES),
DJANGO_REDIS_CONNECTION_FACTORY (e.g. for Sentinel) and TR_SETTINGS (JSON merged into TENANT_REGISTRY)."""

from __future__ import annotations

import json
import os

import dj_database_url

from project.settings import *  # noqa: F403
from project.settings import DATABASES, TENANT_REGISTRY

DEBUG = False
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "0"))
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
if os.environ.get("REPLICA_DATABASE_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["REPLICA_DATABASE_URL"], conn_max_age=CONN_MAX_AGE)
    DATABASE_ROUTERS = ["project.routers.PrimaryReplicaRouter"]
if os.environ.get("TR_CACHES"):
    CACHES = json.loads(os.environ["TR_CACHES"])
if os.environ.get("DJANGO_REDIS_CONNECTION_FACTORY"):
    DJANGO_REDIS_CONNECTION_FACTORY = os.environ["DJANGO_REDIS_CONNECTION_FACTORY"]
TENANT_REGISTRY = {**TENANT_REGISTRY, **json.loads(os.environ.get("TR_SETTINGS", "{}"))}
