"""Benchmark data: the database (created and migrated here), 10,000 tenants, YAML files, configs of a given size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import psycopg
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import QuerySet

TENANTS = 10_000
LARGE_TENANTS = 200
MARK = "bench-v1"
SIZES = {"3 KB": 3 * 1024, "64 KB": 64 * 1024}


def tenant_id(i: int) -> str:
    return f"bt{i:05d}"


def large_id(i: int) -> str:
    return f"bl{i:04d}"


def make_config(name: str, size: int) -> dict[str, Any]:
    """A config shaped like the real ones: secret references, one interpolated value, padded to ``size`` bytes."""
    doc: dict[str, Any] = {
        "client": {"name": name, "timezone": "Africa/Nairobi", "currency": "USD", "languages": ["en", "sw"]},
        "infrastructure": {
            "supabase": {"url": f"https://{name}.supabase.example", "anon_key": "${SUPABASE_ANON_KEY}"},
            "vapi": {"assistant_id": "asst-1", "api_key": ""},
            "openai": {"model": "gpt-4o", "temperature": 0.3},
        },
        "email": {"from_address": f"trips@{name}.example", "sendgrid": {"template_quote": "d-quote"}},
        "prompts": {"escalation": "Transfer to ${ESCALATION_NUMBER:-+255225550100}."},
        "catalog": {},
    }
    i = 0
    while len(orjson.dumps(doc)) < size:
        doc["catalog"][f"item_{i:05d}"] = {"title": f"Safari package {i}", "days": i % 14 + 1, "price": 100.5 + i}
        i += 1
    return doc


def ensure_database() -> None:
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    with psycopg.connect(**params, password=db["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0, interactive=False)


def populate() -> None:
    """10,000 tenants of 3 KB and a few of 64 KB; kept between runs when already there."""
    from tenant_registry.models import Tenant

    present = Tenant.objects.filter(name=MARK).count()
    if present == TENANTS + LARGE_TENANTS:
        return
    plain: QuerySet[Tenant] = QuerySet(Tenant)  # no invalidation: nothing is cached yet
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Tenant._meta.db_table} CASCADE")  # its stored secrets too
        rows = [
            Tenant(id=tenant_id(i), name=MARK, config=make_config(tenant_id(i), SIZES["3 KB"])) for i in range(TENANTS)
        ]
        rows += [
            Tenant(id=large_id(i), name=MARK, config=make_config(large_id(i), SIZES["64 KB"]))
            for i in range(LARGE_TENANTS)
        ]
        for row in rows:
            row.strip_secrets()
        plain.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Tenant._meta.db_table}")


def write_yaml(folder: Path, name: str, size: int) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(make_config(name, size), sort_keys=False))
    return path
