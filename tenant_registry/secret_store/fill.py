"""On read, after the cache: each stored secret fills its path, as SECRET_ENV does from the environment.

A path is filled when its parent section exists and its value is absent or empty (a ``${VAR}`` that
resolved to text wins). The entry carries only the tokens, so Redis and the in-process tier's entry hold
ciphertext; the plaintext exists only in the answer made of them.
"""

from __future__ import annotations

from typing import Any

from .keys import current, enabled
from .paths import split
from .sealing import unseal


def fill(tenant_id: str, config: dict[str, Any], tokens: dict[str, str]) -> None:
    """Fill ``config`` in place from ``tokens`` (path -> token); StoredSecretError names a bad one."""
    if not enabled():
        return
    keys = current()
    for path, token in tokens.items():
        parents, leaf = split(path)
        section: Any = config
        for step in parents:
            section = section.get(step) if type(section) is dict else None
        if type(section) is not dict or section.get(leaf) not in (None, ""):
            continue
        section[leaf] = unseal(tenant_id, path, token, keys)


def valid(tokens: object) -> bool:
    """Whether an entry's ``k`` is a mapping of paths to tokens."""
    return isinstance(tokens, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in tokens.items())
