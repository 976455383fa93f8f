"""A JSONField that keeps the operator's key order on PostgreSQL and still answers every JSONField lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import Lookup

if TYPE_CHECKING:
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

# bool before int: it is one. Subclasses count (a form's JSONField gives a JSONString for "text").
_JSON_TYPES = ((bool, "a boolean"), (str, "a string"), (int | float, "a number"), (list | tuple, "an array"))


def validate_json_object(value: Any) -> None:
    """Refuse anything but a JSON object: a config is a mapping of keys."""
    if not isinstance(value, dict):
        kinds = (name for types, name in _JSON_TYPES if isinstance(value, types))
        kind = "null" if value is None else next(kinds, type(value).__name__)
        raise ValidationError("Must be a JSON object, not %(kind)s.", code="not_object", params={"kind": kind})


class AsJSONB(models.Func):
    """The ``json`` column seen as ``jsonb`` (which has the operators Django's lookups use); as is elsewhere."""

    arity = 1
    template = "%(expressions)s"

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, output_field=models.JSONField())

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        return super().as_sql(compiler, connection, template="(%(expressions)s)::jsonb", **extra)


class _TransformOnJSONB:
    """Builds the transform (a key, usually) on the column cast to jsonb, as Query.try_transform asks."""

    def __init__(self, transform: Any) -> None:
        self.transform = transform

    def __call__(self, lhs: Expression, *args: Any, **kwargs: Any) -> Any:
        return self.transform(AsJSONB(lhs), *args, **kwargs)


_ON_JSONB: dict[type[Lookup[Any]], type[Lookup[Any]]] = {}


def _lookup_on_jsonb(lookup: type[Lookup[Any]]) -> type[Lookup[Any]]:
    """The lookup with its left-hand side cast to jsonb (one subclass per lookup class, made once)."""
    if lookup not in _ON_JSONB:

        def __init__(self: Lookup[Any], lhs: Any, rhs: Any) -> None:
            lookup.__init__(self, AsJSONB(lhs), rhs)

        def __reduce__(self: Lookup[Any]) -> tuple[Any, ...]:
            # The subclass has no importable name: a pickled QuerySet names the lookup it was made from.
            return (_unpickled_lookup, (lookup,), self.__getstate__())

        attrs = {"__init__": __init__, "__reduce__": __reduce__}
        _ON_JSONB[lookup] = type(lookup.__name__, (lookup,), attrs)
    return _ON_JSONB[lookup]


def _unpickled_lookup(lookup: type[Lookup[Any]]) -> Lookup[Any]:
    cls = _lookup_on_jsonb(lookup)
    return cls.__new__(cls)


class OrderedJSONField(models.JSONField):
    """A JSON object in a ``json`` column on PostgreSQL, where ``jsonb`` would re-sort the keys of every object.

    Reads of the whole value keep the written order. Lookups, key transforms and ordering by a key run on
    ``column::jsonb``, so every JSONField lookup works with jsonb's semantics (values selected through a key
    path come back from jsonb, in its key order). Other databases keep their usual JSON column.
    """

    default_validators = [validate_json_object]
    # [], "" and None are not a blank config but a wrong one: full_clean() must reach the validator.
    empty_values = [{}]

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(adapted, Jsonb):
                return Json(adapted.obj, adapted.dumps)
        return adapted

    def get_placeholder(self, value: Any, compiler: Any, connection: BaseDatabaseWrapper) -> str:
        """The plain placeholder, whose presence keeps bulk inserts on VALUES: Django's UNNEST insert
        would have psycopg quote every document inside an array literal, in Python, at a few times
        the cost of the whole VALUES insert of configs of a few KB."""
        return "%s"

    def get_placeholder_sql(self, value: Any, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        """Django 6.1's form of ``get_placeholder`` (which it deprecates; 5.2 knows only that one)."""
        if hasattr(value, "as_sql"):
            return compiler.compile(value)  # type: ignore[no-any-return]
        return "%s", (value,)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if isinstance(value, dict | list):  # psycopg has already decoded a json column
            return value
        return super().from_db_value(value, expression, connection)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        validate_json_object(value)  # before Field's null check, so None gets the same message
        super().validate(value, model_instance)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        found = super().get_lookup(lookup_name)
        return None if found is None else _lookup_on_jsonb(found)

    def get_transform(self, name: str) -> Any:
        found = super().get_transform(name)
        return None if found is None else _TransformOnJSONB(found)
