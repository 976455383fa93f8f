"""Where a stored secret goes: a dotted path of keys whose last key is a secret key."""

from __future__ import annotations

from ..documents.secret_keys import is_secret_key
from ..exceptions import InvalidConfig

MAX_PATH = 255


def check_path(tenant_id: str, path: object) -> str:
    """``path`` as stored (surrounding spaces dropped); InvalidConfig naming the tenant otherwise."""
    text = path.strip() if isinstance(path, str) else ""
    steps = text.split(".")
    if not text or len(text) > MAX_PATH or any(not step or step != step.strip() for step in steps):
        raise InvalidConfig(
            f"tenant {tenant_id}: a stored secret's path is dotted keys such as infrastructure.openai.api_key "
            f"(at most {MAX_PATH} characters), got {str(path)[:80]!r}"
        )
    if not is_secret_key(steps[-1]):
        raise InvalidConfig(
            f"tenant {tenant_id}: {text}: {steps[-1]!r} is not a secret key (SECRET_KEYS), so a value there "
            "would be shown unmasked; put a stored secret under a secret key"
        )
    return text


def split(path: str) -> tuple[list[str], str]:
    *parents, leaf = path.split(".")
    return parents, leaf
