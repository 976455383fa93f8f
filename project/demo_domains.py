"""``make run``: the demo's tenants on ``*.localhost`` subdomains (Domain rows, added when missing)."""

from __future__ import annotations

import os
import sys

import django

DOMAINS = {"kilimanjaro.localhost": "tn_a1b2c3", "capecoast.localhost": "tn_d4e5f6"}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    django.setup()
    from tenant_registry.models import Domain, Tenant

    for name, tenant_id in DOMAINS.items():
        if not Tenant.objects.filter(pk=tenant_id).exists():
            sys.stderr.write(f"demo domain {name}: tenant {tenant_id} is not in the database; skipped\n")
            continue
        Domain.objects.get_or_create(domain=name, defaults={"tenant_id": tenant_id})
        sys.stdout.write(f"Tenant {tenant_id}: http://{name}:8000/\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
