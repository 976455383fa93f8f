"""Settings of the demo and test project. DATABASE_URL and REDIS_URL choose the services."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["127.0.0.1", ".localhost", "[::1]"]  # .localhost: the demo's tenants on <name>.localhost

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "tenant_registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenant_registry.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'project' / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
else:
    # A directory every process of the demo shares, so `manage.py tenant_cache clear` reaches the server's cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("DJANGO_CACHE_DIR", str(BASE_DIR / "project" / "cache")),
        }
    }

# What the database tenants of configs/ read besides their own TN_..._ variables and SECRET_ENV's.
# ENV_ALLOW grants a variable to every database tenant: a tenant's own credential goes under its prefix.
TENANT_REGISTRY: dict[str, object] = {
    "YAML_ONLY_TENANTS": ("africastay", "safariexplore-kvph", "safarirun-t0vc", "beachresorts", "example"),
    "ENV_ALLOW": {"ESCALATION_NUMBER": "public"},
    # The demo's page at / shows the tenant of <name>.localhost; the admin and the id-in-the-URL views
    # are not tenant-scoped, and any other host passes through with request.tenant = None.
    "UNKNOWN_TENANT": "pass",
    "EXEMPT_PATHS": ("/admin/", "/tenant-config/", "/async/tenant-config/"),
}

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "tenant_registry": {"handlers": ["console"], "level": os.environ.get("TENANT_REGISTRY_LOG_LEVEL", "WARNING")}
    },
}
