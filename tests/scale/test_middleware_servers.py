"""TenantMiddleware under gunicorn (2 workers) and uvicorn (ASGI, 2 workers): a Domain saved in this
process is seen by every worker's next request once the save returned."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tenant_registry.models import Domain, Tenant

from .app_servers import AppServer, start_app
from .conftest import registry_env
from .procs import Group
from .test_app_servers import L1_BOUND

pytestmark = pytest.mark.scale
HOST = "shop.localhost"


@pytest.fixture(params=["gunicorn", "uvicorn"])
def tenant_server(request: pytest.FixtureRequest, transactional_db: None, settings: Any) -> Iterator[AppServer]:
    settings.TENANT_REGISTRY = {**settings.TENANT_REGISTRY, "UNKNOWN_TENANT": "project.views.unknown_tenant"}
    group = Group("middleware")
    try:
        yield start_app(group, request.param, registry_env(settings, CONN_MAX_AGE="60"), workers=2)
    finally:
        group.close()


def paths(server: AppServer) -> list[str]:
    return ["/request-config/", "/async/request-config/"] if server.kind == "uvicorn" else ["/request-config/"]


def served(server: AppServer) -> set[Any]:
    """What every worker answers for HOST: the tenant's "v", or the status when it is not a 200."""
    time.sleep(L1_BOUND)
    found: set[Any] = set()
    for path in paths(server):
        answers = server.answers(path, host=HOST)  # until each worker answered three times
        found |= {a.body["v"] if a.status == 200 else a.status for a in answers}
    return found


def test_every_worker_sees_a_domain_saved_in_another_process(tenant_server: AppServer) -> None:
    shop = Tenant.objects.save_config("tn_shop", {"v": "shop"})
    other = Tenant.objects.save_config("tn_other", {"v": "other"})
    assert served(tenant_server) == {404}  # every worker now caches "no such host"
    domain = Domain.objects.create(domain=HOST, tenant=shop)
    assert served(tenant_server) == {"shop"}
    domain.tenant = other
    domain.save()
    assert served(tenant_server) == {"other"}
    Tenant.objects.save_config("tn_other", {"v": "other"}, status="suspended")
    assert served(tenant_server) == {404}
    domain.delete()
    assert served(tenant_server) == {404}
    assert "Traceback" not in tenant_server.proc.tail(10_000)
