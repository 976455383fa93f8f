# mypy: disable-error-code="untyped-decorator"
"""The Celery app of tests/test_celery.py: its tasks report the tenant they run under.

The test process configures the broker itself; a worker (``celery -A tests.harness.celery_app worker``)
reads it from TR_CELERY_REDIS and sets Django up on the test database (tests.harness.peer's settings).
"""

from __future__ import annotations

import os
from typing import Any

import redis
from celery import Celery, signals

from tenant_registry import current_tenant
from tenant_registry.celery_context import install

app = Celery("tr_tests")
app.conf.update(
    broker_url=os.environ.get("TR_CELERY_REDIS"),
    result_backend=os.environ.get("TR_CELERY_REDIS"),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
install()

if os.environ.get("TR_CELERY_WORKER") == "1":
    from .peer import _setup

    _setup()
    _after = redis.Redis.from_url(os.environ["TR_CELERY_REDIS"])

    @signals.task_postrun.connect(weak=False)
    def _record_after(task_id: str, **kwargs: Any) -> None:
        """What the worker child's context holds once the task is over (after install()'s receiver)."""
        _after.rpush(f"after:{task_id}", current_tenant() or "-")


@app.task
def seen(pause: float = 0.0) -> dict[str, Any]:
    if pause:
        import time

        time.sleep(pause)
    return {"pid": os.getpid(), "tenant": current_tenant()}


@app.task
def fails() -> None:
    raise RuntimeError(f"failed in {os.getpid()} under {current_tenant()}")


@app.task
def client_name() -> str | None:
    from tenant_registry import get_tenant_config

    tenant_id = current_tenant()
    config = None if tenant_id is None else get_tenant_config(tenant_id)
    return None if config is None else config["client"]["name"]


@app.task
def sends_on() -> str:
    """A task sent from a task goes under the tenant the first one runs under."""
    return str(seen.delay().id)
