from __future__ import annotations

import pytest

from .pages import ACME


@pytest.fixture
def acme(tenant_factory):
    return tenant_factory("tn_acme", ACME, name="Acme Travel")
