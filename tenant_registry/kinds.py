"""The values a tenant's row and its stored entry hold for where its config comes from and its
status: one home, below the model, so the read path and the files need not import the model."""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    DATABASE = "database"
    YAML = "yaml"


class Status(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


MISSING = "missing"  # the stored entry of a tenant found nowhere (cached for NEGATIVE_TTL)
# For the model's fields: django-stubs 5.2.0 cannot type choices of a TextChoices from another module.
SOURCE_CHOICES = Source.choices
STATUS_CHOICES = Status.choices
