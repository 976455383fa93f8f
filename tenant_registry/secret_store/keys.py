"""The encrypted store's switch and its Fernet keys.

``SECRET_STORE = "database"`` turns the store on. Its keys are ``SECRET_KEYS_FERNET`` (a list) or
``SECRET_KEYS_FERNET_FILE`` (a file of them, one a line; blank lines and ``#`` comments skipped), never
both. The first key encrypts, every key decrypts (``MultiFernet``). Each key has an id, a digest that
``rotate_secret_keys`` compares to tell the rows the first key did not encrypt. The keys are built once per
settings object and, for a file, again when the file changes (a rotated Kubernetes secret).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, NamedTuple

from .. import conf
from ..documents.secret_files import signature
from ..exceptions import SecretKeysError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

STORE = "SECRET_STORE"
ON = "database"  # the one value that turns the store on
LIST, FILE = "SECRET_KEYS_FERNET", "SECRET_KEYS_FERNET_FILE"
INSTALL = "pip install 'django-tenant-registry[encrypted]'"


class Keys(NamedTuple):
    fernet: MultiFernet
    first_id: str  # the id of the key that encrypts
    setting: str  # where the keys came from, for messages: TENANT_REGISTRY['...']


_kept: tuple[object, object, Keys | None] = (None, None, None)  # settings, key file signature, keys


def enabled() -> bool:
    return conf.get_settings().SECRET_STORE == ON


def named(setting: str) -> str:
    return f"TENANT_REGISTRY['{setting}']"


def key_id(key: str) -> str:
    """A digest of a key that names it in the rows; the key cannot be found from it."""
    return hashlib.sha256(b"tenant_registry stored secret key:" + key.encode()).hexdigest()[:16]


def current() -> Keys:
    """The store's keys now; SecretKeysError naming the setting when they are missing or unusable."""
    global _kept
    settings = conf.get_settings()
    path = settings.SECRET_KEYS_FERNET_FILE
    identity = signature(str(path)) if path else None
    kept = _kept
    if kept[0] is settings and kept[1] == identity and kept[2] is not None:
        return kept[2]
    keys = _build(settings)
    _kept = (settings, identity, keys)
    return keys


def _build(settings: conf.RegistrySettings) -> Keys:
    try:
        from cryptography.fernet import Fernet, MultiFernet
    except ImportError:
        raise SecretKeysError(
            f"{named(STORE)} is 'database' but the cryptography package is not installed: {INSTALL}"
        ) from None
    setting, texts = key_texts(settings)
    fernets = []
    for number, text in enumerate(texts, start=1):
        try:
            fernets.append(Fernet(text))
        except (ValueError, TypeError):
            raise SecretKeysError(
                f"{named(setting)}: key {number} is not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with cryptography.fernet.Fernet.generate_key())"
            ) from None
    return Keys(MultiFernet(fernets), key_id(texts[0]), setting)


def key_texts(settings: conf.RegistrySettings) -> tuple[str, list[str]]:
    """The setting the keys come from and the keys' text, first first."""
    given, path = settings.SECRET_KEYS_FERNET, settings.SECRET_KEYS_FERNET_FILE
    if path and given:
        raise SecretKeysError(f"give either {named(LIST)} or {named(FILE)}, not both")
    if path:
        texts = _file_keys(str(path))
        setting = FILE
    else:
        if isinstance(given, str) or not isinstance(given, list | tuple):
            raise SecretKeysError(f"{named(LIST)} must be a list of Fernet keys, got {type(given).__name__}")
        texts, setting = [k.decode() if isinstance(k, bytes) else k for k in given], LIST
    if not texts:
        raise SecretKeysError(f"{named(setting)} holds no key: the encrypted store needs at least one Fernet key")
    if not all(isinstance(text, str) for text in texts):
        raise SecretKeysError(f"{named(setting)} must hold only strings (Fernet keys)")
    return setting, texts


def _file_keys(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = (getattr(exc, "strerror", None) or type(exc).__name__).lower()
        raise SecretKeysError(f"{named(FILE)}: the key file {path} cannot be read: {reason}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
