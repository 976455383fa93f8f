"""In-process hits of a tenant whose secret comes from a file beside one whose secret comes from the
environment, under the same settings (SECRET_DIRS set): what checking that a file is unchanged costs."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tenant_registry.ids import env_prefix
from tenant_registry.models import Tenant

from .reads import Row, _registry, _wait_live
from .timing import Case, interleaved


def kube_mount(values: dict[str, str]) -> Path:
    """A secret volume as the kubelet writes it: ``KEY -> ..data/KEY``, ``..data -> ..<version>``."""
    root = Path(tempfile.mkdtemp(prefix="tr-bench-secrets-"))
    version = root / "..2026_12_07_21_00_00.000000001"
    version.mkdir()
    (root / "..data").symlink_to(version.name)
    for key, value in values.items():
        (version / key).write_text(value + "\n")
        (root / key).symlink_to(f"..data/{key}")
    return root


def hits(size: str, env_id: str, file_id: str, samples: int) -> list[Row]:
    env_variable = env_prefix(env_id) + "VAPI_API_KEY"
    file_variable = env_prefix(file_id) + "VAPI_API_KEY"
    root = kube_mount({file_variable: "bench-vapi-from-a-file-0123456789"})
    os.environ[env_variable] = "bench-vapi-from-the-env-0123456789"
    try:
        with _registry(L1_ENABLED=True, SECRET_DIRS=[str(root)]):
            for tenant_id in (env_id, file_id):
                Tenant.objects.get_config(tenant_id)
            _wait_live()
            from_env = Case("L1 hit, secret from env", lambda: Tenant.objects.get_config(env_id))
            from_file = Case("L1 hit, secret from a file", lambda: Tenant.objects.get_config(file_id))
            interleaved([from_env, from_file], samples)
            assert Tenant.objects.get_config(file_id)["infrastructure"]["vapi"]["api_key"].endswith("file-0123456789")
    finally:
        del os.environ[env_variable]
        shutil.rmtree(root)
    return [
        Row("get_config hit, L1, SECRET_DIRS set, secret from the env", size, from_env),
        Row("get_config hit, L1, secret from a Kubernetes-mounted file", size, from_file, from_env, 1.2),
    ]
