"""A stored secret's token: its value sealed with its tenant and path inside one Fernet token.

Fernet has no associated data, so the tenant id and the path go into the encrypted payload and are
compared on every opening: a token copied to another tenant's row, or to another path, does not open.
Messages name the tenant and the path, never a word of the value.
"""

from __future__ import annotations

import orjson

from ..exceptions import StoredSecretError
from .keys import Keys, current, named


def seal(tenant_id: str, path: str, value: str, keys: Keys | None = None) -> tuple[str, str]:
    """The token of ``value`` at ``path`` of ``tenant_id``, and the id of the key that encrypted it."""
    keys = keys or current()
    payload = orjson.dumps({"t": tenant_id, "p": path, "v": value})
    return keys.fernet.encrypt(payload).decode("ascii"), keys.first_id


def unseal(tenant_id: str, path: str, token: str, keys: Keys | None = None) -> str:
    """The value of a token stored at ``path`` of ``tenant_id``; StoredSecretError when no key opens
    it or it was sealed for another tenant or path."""
    from cryptography.fernet import InvalidToken

    keys = keys or current()
    where = f"tenant {tenant_id}: the stored secret at {path}"
    try:
        payload = keys.fernet.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError, TypeError):
        raise StoredSecretError(
            f"{where} cannot be decrypted with any key of {named(keys.setting)} "
            "(was a key removed before rotate_secret_keys re-encrypted it, or is the row damaged?)"
        ) from None
    try:
        sealed = orjson.loads(payload)
    except orjson.JSONDecodeError:
        sealed = None
    if not (isinstance(sealed, dict) and isinstance(sealed.get("v"), str)):
        raise StoredSecretError(f"{where} is not a token of this registry; set it again")
    if sealed.get("t") != tenant_id or sealed.get("p") != path:
        raise StoredSecretError(
            f"{where} was sealed for another tenant or path (a copied row?); it is not used: set it again"
        )
    value: str = sealed["v"]
    return value
