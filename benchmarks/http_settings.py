"""The benchmark's settings for the HTTP row: persistent database connections, as a deployment has them."""

from __future__ import annotations

from benchmarks.settings import *  # noqa: F403
from benchmarks.settings import DATABASES, TENANT_REGISTRY

DATABASES["default"]["CONN_MAX_AGE"] = 60
ROOT_URLCONF = "benchmarks.http_urls"
# TenantMiddleware (project.settings) serves the middleware row; the other views take the tenant from
# their URL and pass it by, as the demo's own id-in-the-URL views do.
TENANT_REGISTRY = {
    **TENANT_REGISTRY,
    "UNKNOWN_TENANT": "404",
    "EXEMPT_PATHS": ("/admin/", "/tenant-config/", "/floor/", "/private-copy/"),
}
