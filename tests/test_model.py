"""The Tenant model: a config must be a JSON object, every JSONField lookup works, key order is kept."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count, Q
from django.db.models.fields.json import KT, KeyTextTransform, KeyTransform

from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

from .admin.pages import change, form_data

CONFIGS = {
    "tn_gold": {
        "client": {"name": "Acme Travel", "tier": "gold"},
        "seats": 50,
        "tags": ["eu", "beta"],
        "billing": {"plan": "annual"},
        "trial": False,
        "note": None,
    },
    "tn_silver": {
        "client": {"name": "Blue Lagoon", "tier": "silver"},
        "seats": 5,
        "tags": ["us"],
        "trial": True,
    },
    "tn_none": {"client": {"name": "zebra tours"}, "seats": 12},
}


@pytest.fixture
def tenants(db: None) -> list[str]:
    for tenant_id, config in CONFIGS.items():
        Tenant.objects.save_config(tenant_id, config)
    return sorted(CONFIGS)


def ids(queryset: Any) -> list[str]:
    return sorted(row if isinstance(row, str) else row.pk for row in queryset)


LOOKUPS: list[tuple[str, Callable[[], Any], list[str]]] = [
    ("key exact", lambda: Tenant.objects.filter(config__client__tier="gold"), ["tn_gold"]),
    ("key number", lambda: Tenant.objects.filter(config__seats=5), ["tn_silver"]),
    ("key boolean", lambda: Tenant.objects.filter(config__trial=True), ["tn_silver"]),
    ("key JSON null", lambda: Tenant.objects.filter(config__note=None), ["tn_gold"]),
    ("key iexact", lambda: Tenant.objects.filter(config__client__tier__iexact="GOLD"), ["tn_gold"]),
    ("key in", lambda: Tenant.objects.filter(config__client__tier__in=["gold", "silver"]), ["tn_gold", "tn_silver"]),
    ("key icontains", lambda: Tenant.objects.filter(config__client__name__icontains="ACME"), ["tn_gold"]),
    ("key startswith", lambda: Tenant.objects.filter(config__client__name__startswith="Blue"), ["tn_silver"]),
    ("key iendswith", lambda: Tenant.objects.filter(config__client__name__iendswith="TOURS"), ["tn_none"]),
    ("key regex", lambda: Tenant.objects.filter(config__client__name__regex=r"^[A-Z]\w+ "), ["tn_gold", "tn_silver"]),
    ("key gt", lambda: Tenant.objects.filter(config__seats__gt=10), ["tn_gold", "tn_none"]),
    ("key lte", lambda: Tenant.objects.filter(config__seats__lte=12), ["tn_none", "tn_silver"]),
    ("key isnull", lambda: Tenant.objects.filter(config__billing__isnull=True), ["tn_none", "tn_silver"]),
    ("key not isnull", lambda: Tenant.objects.filter(config__billing__isnull=False), ["tn_gold"]),
    ("array index", lambda: Tenant.objects.filter(config__tags__0="us"), ["tn_silver"]),
    ("key contains", lambda: Tenant.objects.filter(config__tags__contains=["beta"]), ["tn_gold"]),
    ("contains", lambda: Tenant.objects.filter(config__contains={"client": {"tier": "gold"}}), ["tn_gold"]),
    (
        "contained_by",
        lambda: Tenant.objects.filter(config__contained_by={"client": {"name": "zebra tours"}, "seats": 12, "x": 1}),
        ["tn_none"],
    ),
    ("has_key", lambda: Tenant.objects.filter(config__has_key="trial"), ["tn_gold", "tn_silver"]),
    ("nested has_key", lambda: Tenant.objects.filter(config__billing__has_key="plan"), ["tn_gold"]),
    ("has_keys", lambda: Tenant.objects.filter(config__has_keys=["tags", "billing"]), ["tn_gold"]),
    (
        "has_any_keys",
        lambda: Tenant.objects.filter(config__has_any_keys=["billing", "trial"]),
        ["tn_gold", "tn_silver"],
    ),
    ("exact", lambda: Tenant.objects.filter(config=CONFIGS["tn_none"]), ["tn_none"]),
    ("exact ignores key order", lambda: Tenant.objects.filter(config={"seats": 12, **CONFIGS["tn_none"]}), ["tn_none"]),
    ("icontains", lambda: Tenant.objects.filter(config__icontains="LAGOON"), ["tn_silver"]),
    ("isnull", lambda: Tenant.objects.filter(config__isnull=False), ["tn_gold", "tn_none", "tn_silver"]),
    ("exclude", lambda: Tenant.objects.exclude(config__seats__gt=10), ["tn_silver"]),
    ("Q or", lambda: Tenant.objects.filter(Q(config__seats=5) | Q(config__seats=12)), ["tn_none", "tn_silver"]),
    (
        "subquery",
        lambda: Tenant.objects.filter(pk__in=Tenant.objects.filter(config__has_key="billing").values("pk")),
        ["tn_gold"],
    ),
    ("KT annotation", lambda: Tenant.objects.annotate(t=KT("config__client__tier")).filter(t="silver"), ["tn_silver"]),
    (
        "KeyTransform expression",
        lambda: Tenant.objects.annotate(c=KeyTransform("client", "config")).filter(c__tier="gold"),
        ["tn_gold"],
    ),
    (
        "history",
        lambda: Tenant.history.filter(config__client__tier="silver").values_list("id", flat=True),
        ["tn_silver"],
    ),
]


@pytest.mark.parametrize(("build", "expected"), [row[1:] for row in LOOKUPS], ids=[row[0] for row in LOOKUPS])
def test_jsonfield_lookup(tenants: list[str], build: Callable[[], Any], expected: list[str]) -> None:
    assert ids(build()) == expected


ORDERINGS: list[tuple[str, Callable[[], Any], list[str]]] = [
    ("by key path", lambda: Tenant.objects.order_by("config__client__name"), ["tn_gold", "tn_silver", "tn_none"]),
    ("by key, descending", lambda: Tenant.objects.order_by("-config__seats"), ["tn_gold", "tn_none", "tn_silver"]),
    (
        "by KeyTextTransform",
        lambda: Tenant.objects.order_by(KeyTextTransform("name", "config__client").desc()),
        ["tn_none", "tn_silver", "tn_gold"],
    ),
    ("by KT", lambda: Tenant.objects.order_by(KT("config__client__name")), ["tn_gold", "tn_silver", "tn_none"]),
]


@pytest.mark.parametrize(("build", "expected"), [row[1:] for row in ORDERINGS], ids=[row[0] for row in ORDERINGS])
def test_ordering_by_a_key(tenants: list[str], build: Callable[[], Any], expected: list[str]) -> None:
    assert [t.pk for t in build()] == expected


def test_a_pickled_queryset_still_filters(tenants: list[str]) -> None:
    queryset = Tenant.objects.filter(config__has_key="billing", config__client__tier="gold").order_by("config__seats")
    restored = Tenant.objects.all()
    restored.query = pickle.loads(pickle.dumps(queryset.query))
    assert ids(restored) == ["tn_gold"]
    assert ids(pickle.loads(pickle.dumps(Tenant.objects.exclude(config__contains={"seats": 5})))) == [
        "tn_gold",
        "tn_none",
    ]


def test_values_of_a_key_distinct_and_grouped(tenants: list[str]) -> None:
    tiers = Tenant.objects.values_list("config__client__tier", flat=True).distinct().order_by("config__client__tier")
    assert list(tiers) == ["gold", "silver", None]
    counts = Tenant.objects.values("config__trial").annotate(n=Count("id")).order_by("config__trial")
    assert [(row["config__trial"], row["n"]) for row in counts] == [(False, 1), (True, 1), (None, 1)]
    assert Tenant.objects.values_list("config__tags", flat=True).get(pk="tn_gold") == ["eu", "beta"]


def test_key_order_survives_save_reload_and_lookups(tenants: list[str]) -> None:
    config = {"zeta": {"y": 1, "b": 2}, "alpha": [{"z": 1, "a": 2}], "mid": "m"}
    Tenant.objects.save_config("tn_order", config)
    tenant = Tenant.objects.get(config__zeta__y=1)
    assert list(tenant.config) == ["zeta", "alpha", "mid"]
    assert list(tenant.config["zeta"]) == ["y", "b"]
    tenant.name = "renamed"
    tenant.save()
    for reloaded in (Tenant.objects.get(pk="tn_order"), Tenant.objects.filter(config__has_key="mid").get()):
        assert list(reloaded.config) == ["zeta", "alpha", "mid"]
        assert list(reloaded.config["alpha"][0]) == ["z", "a"]
    assert list(Tenant.objects.values_list("config", flat=True).get(pk="tn_order")) == ["zeta", "alpha", "mid"]
    assert list(Tenant.objects.get_config("tn_order") or {}) == ["zeta", "alpha", "mid", "_meta"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ([1, 2], "an array"),
        ([], "an array"),
        ("text", "a string"),
        ("", "a string"),
        (3, "a number"),
        (1.5, "a number"),
        (True, "a boolean"),
        (None, "null"),
    ],
)
def test_full_clean_refuses_a_config_that_is_not_an_object(db: None, value: Any, kind: str) -> None:
    tenant = Tenant(id="tn_bad", config=value)
    with pytest.raises(ValidationError) as caught:
        tenant.full_clean()
    assert caught.value.message_dict == {"config": [f"Must be a JSON object, not {kind}."]}


@pytest.mark.parametrize("value", [{}, {"a": [1, {"b": None}]}])
def test_full_clean_accepts_an_object(db: None, value: dict[str, Any]) -> None:
    Tenant(id="tn_good", config=value).full_clean()


class TenantForm(forms.ModelForm):  # type: ignore[type-arg]  # what a host app writes
    class Meta:
        model = Tenant
        fields = ("id", "name", "status", "config_source", "config")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("[1, 2]", "an array"), ('"text"', "a string"), ("3", "a number"), ("true", "a boolean"), ("null", "null")],
)
def test_a_model_form_refuses_a_config_that_is_not_an_object(db: None, text: str, kind: str) -> None:
    form = TenantForm(data={"id": "tn_form", "status": "active", "config_source": "database", "config": text})
    assert form.errors == {"config": [f"Must be a JSON object, not {kind}."]}
    assert not Tenant.objects.exists()
    form = TenantForm(data={"id": "tn_form", "status": "active", "config_source": "database", "config": '{"a": 1}'})
    assert form.save().config == {"a": 1}


@pytest.mark.parametrize(
    ("value", "text"), [(float("nan"), "NaN"), (float("inf"), "Infinity"), (-float("inf"), "-Infinity")]
)
def test_save_config_refuses_a_number_json_cannot_hold(db: None, value: float, text: str) -> None:
    """It was stored as null: orjson writes NaN and the infinities so."""
    with pytest.raises(InvalidConfig) as caught:
        Tenant.objects.save_config("tn_nan", {"limits": {"rate": [1.5, value]}, "note": None})
    assert str(caught.value) == f"tenant tn_nan: limits.rate[1]: {text} is not a JSON number"
    assert not Tenant.objects.exists()


def test_the_admin_refuses_nan_instead_of_storing_null(admin_client: Any) -> None:
    Tenant.objects.save_config("tn_nan", {"rate": 1.5}, name="Rates")
    tenant = Tenant.objects.get(pk="tn_nan")
    response = admin_client.post(change("tn_nan"), form_data(tenant, '{"rate": NaN, "cap": Infinity}'))
    assert response.status_code == 200
    assert "rate: NaN is not a JSON number" in response.content.decode()
    assert Tenant.objects.get(pk="tn_nan").config == {"rate": 1.5}


def test_full_clean_calls_a_tuple_an_array(db: None) -> None:
    with pytest.raises(ValidationError) as caught:
        Tenant(id="tn_bad", config=(1, 2)).full_clean()
    assert caught.value.message_dict == {"config": ["Must be a JSON object, not an array."]}


def test_migrations_match_the_models(db: None) -> None:
    out = io.StringIO()
    call_command("makemigrations", "tenant_registry", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
