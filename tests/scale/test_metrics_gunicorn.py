"""prometheus-client's multiprocess mode under a real gunicorn: each worker counts its own lookups,
and one scrape over HTTP adds every worker's up."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import registry_env
from .procs import wait_until
from .test_listeners_gunicorn import saved, subscribed

pytestmark = pytest.mark.scale


def found_lookups(server: Any) -> tuple[float, str]:
    answer = server.get("/metrics/")
    assert answer.status == 200
    text = answer.body.decode()
    total = sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "tenant_registry_lookups_total" and s.labels.get("result") == "found"
    )
    return total, text


def test_a_scrape_adds_up_the_lookups_of_every_worker(observed_server: Any, settings: Any, tmp_path: Path) -> None:
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    registry = {**json.loads(registry_env(settings)["TR_SETTINGS"]), "METRICS": "prometheus"}
    server = observed_server(TR_SETTINGS=json.dumps(registry), PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    subscribed(server, settings)
    saved(server, "tn_prom", 1)
    reads = server.answers("/read/tn_prom/", per_worker=5)
    assert len({a.pid for a in reads}) == 2 and {a.body["v"] for a in reads} == {1}
    deadline = time.monotonic() + 15
    total, text = found_lookups(server)
    while total < len(reads) and time.monotonic() < deadline:  # each worker hands its counts over every second
        time.sleep(0.2)
        total, text = found_lookups(server)
    assert total == len(reads), text
    assert "tenant_registry_lookup_seconds_bucket" in text and "tenant_registry_breaker_state" in text
    assert len(list(multiproc.glob("*.db"))) >= 2  # one set of files per worker


def test_prometheus_under_gunicorn_without_multiprocess_mode_is_a_warning_in_each_worker(
    observed_server: Any, settings: Any
) -> None:
    registry = {**json.loads(registry_env(settings)["TR_SETTINGS"]), "METRICS": "prometheus"}
    server = observed_server(TR_SETTINGS=json.dumps(registry))
    # start_app returns once one worker answers; the other may still be loading the app
    wait_until(lambda: server.proc.tail(20_000).count("(tenant_registry.W016)") == 2, 30, server.proc, "W016 twice")
