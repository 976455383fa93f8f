"""The benchmark's settings for the HTTP row: persistent database connections, as a deployment has them."""

from __future__ import annotations

from benchmarks.settings import *  # noqa: F403
from benchmarks.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 60
ROOT_URLCONF = "benchmarks.http_urls"
