"""A tenant's status and where its config comes from: the one home of ``Tenant.Status`` and ``Tenant.Source``."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


class Source(models.TextChoices):
    DATABASE = "database"
    YAML = "yaml"
