"""A JSONField that keeps the operator's key order on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class OrderedJSONField(models.JSONField):
    """A ``json`` column on PostgreSQL, where ``jsonb`` would re-sort the keys of every object.

    The config is only ever read and written whole, never queried by key, so nothing
    jsonb-specific is lost; other databases keep their usual JSON column.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(adapted, Jsonb):
                return Json(adapted.obj, adapted.dumps)
        return adapted

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if isinstance(value, dict | list):  # psycopg has already decoded a json column
            return value
        return super().from_db_value(value, expression, connection)
