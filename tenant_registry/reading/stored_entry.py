"""The stored form of a tenant's config, and its resolution into what callers get.

An entry is the JSON of ``{"t": id, "src": source, "st": status, "x": paths, "c": config}`` (and ``"k"``,
the tenant's stored-secret tokens, when it has any):
``config`` is stripped of secrets and not yet interpolated; ``paths`` lists the values that
hold a ``$`` so that a read interpolates only those. Cache, database and YAML reads all go
through :func:`encode` and :func:`resolve`, so every caller gets the same private shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import orjson

from .. import conf, observer
from ..documents import MEMO_CHARS, env_access, scan
from ..documents import secret_values as secrets
from ..documents.environ import Lookup, Reads, environ
from ..documents.interpolation import expression_paths, interpolate_at
from ..exceptions import InterpolationError
from ..kinds import MISSING, Source
from ..secret_store import fill as stored_secrets

logger = logging.getLogger("tenant_registry")
_warned: set[tuple[str, str]] = set()
WARNED = 8192  # (tenant or file, variable) warned about, kept per process
SOURCES = (*Source.values, MISSING)


class Entry(NamedTuple):
    """A decoded entry: what its JSON's ``t``, ``src``, ``st``, ``x`` and ``c`` hold."""

    tenant_id: str
    source: str  # a Source, or MISSING
    status: str
    paths: list[tuple[str | int, ...]]  # where the config's values hold a ``$``
    config: dict[str, Any]  # stripped of secrets, not yet interpolated
    tokens: dict[str, str] | None = None  # ``k``: the stored secrets (SECRET_STORE), path -> ciphertext

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Entry:
        return cls(stored["t"], stored["src"], stored["st"], stored["x"], stored["c"], stored.get("k"))


def encode(tenant_id: str, source: str, status: str, config: dict[str, Any]) -> bytes:
    return build(tenant_id, source, status, config)[0]


def build(
    tenant_id: str,
    source: str,
    status: str,
    config: dict[str, Any],
    text: bytes | None = None,
    tokens: dict[str, str] | None = None,
) -> tuple[bytes, Entry]:
    """The entry's bytes, and the entry itself: what decoding them gives, built on ``config``
    (so private only if ``config`` is). ``text``, the JSON ``config`` was parsed from, is used
    as it is when nothing had to be stripped, instead of serialising the config again. ``tokens``: the
    tenant's stored secrets (path -> ciphertext), kept as ``k``."""
    source, status = str(source), str(status)  # plain strings in answers, not the choices' members
    paths, has_secret = scan.scan(config, text)
    stripped = config
    if has_secret:
        stripped, removed = secrets.strip(config)
        logger.warning("tenant %s: dropped literal secrets at %s from %s", tenant_id, ", ".join(removed), source)
        paths = list(expression_paths(stripped))
        text = None
    built = Entry(tenant_id, source, status, paths, stripped, tokens or None)
    head: dict[str, Any] = {"t": tenant_id, "src": source, "st": status, "x": paths}
    if tokens:
        head["k"] = tokens
    if text is None:
        return orjson.dumps({**head, "c": stripped}), built
    return b"".join((orjson.dumps(head)[:-1], b',"c":', text, b"}")), built


def decode(tenant_id: str, raw: bytes | str) -> Entry | None:
    """The entry of ``raw``, or None when it is not a well-formed entry of this tenant."""
    try:
        entry = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if (
        not isinstance(entry, dict)
        or entry.get("t") != tenant_id
        or entry.get("src") not in SOURCES
        or not isinstance(entry.get("st"), str)
        or not isinstance(entry.get("c"), dict)
        or not isinstance(entry.get("x"), list)
        or not all(_leads_to_text(entry["c"], path) for path in entry["x"])
        or ("k" in entry and not stored_secrets.valid(entry["k"]))
    ):
        return None
    return Entry.of(entry)


def _leads_to_text(doc: Any, path: object) -> bool:
    """Whether ``path`` is a list of keys and indexes that ends at a string of ``doc``."""
    if not isinstance(path, list) or not path:
        return False
    for step in path:
        in_dict = isinstance(doc, dict) and isinstance(step, str) and step in doc
        in_list = isinstance(doc, list) and type(step) is int and 0 <= step < len(doc)
        if not (in_dict or in_list):
            return False
        doc = doc[step]
    return isinstance(doc, str)


def resolve(entry: Entry, where: str | Callable[[], str], reads: Reads | None = None) -> dict[str, Any]:
    """Interpolate and fill secrets in the (private) entry's config, and attach ``_meta``.

    ``where`` names the tenant (and its file) in messages; a callable is asked only for a message.
    A database config sees only the variables it may read (:mod:`env_access`). ``reads`` records
    every environment lookup made."""
    tenant_id, config = entry.tenant_id, entry.config
    if entry.paths:
        database = entry.source == Source.DATABASE
        env = env_access.TenantEnviron(tenant_id, reads) if database else Lookup(reads)
        try:
            interpolate_at(config, entry.paths, env, lambda name: _warn_unset(where, name, tenant_id, database))
        except InterpolationError as exc:
            observer.current.secret_failure()
            raise InterpolationError(f"{_text(where)}: {exc}") from None
    if entry.tokens:
        stored_secrets.fill(tenant_id, config, entry.tokens)
    try:
        secrets.fill_from_env(tenant_id, config, reads)
    except InterpolationError as exc:
        observer.current.secret_failure()
        raise InterpolationError(f"{_text(where)}: {exc}") from None
    config["_meta"] = {"source": entry.source, "tenant_id": tenant_id, "status": entry.status}
    return config


class Holder(Protocol):
    """Where an entry's bytes are kept with the answer last made of them (the in-process tier)."""

    raw: bytes
    answer: object


class Answer(NamedTuple):
    text: bytes  # the resolved config's JSON
    settings: object  # the settings it was resolved under
    reads: Reads  # the environment lookups it made


def answer(kept: Holder, resolve: Callable[[Entry, Reads], dict[str, Any] | None]) -> dict[str, Any] | None:
    """``resolve`` of the kept entry, as a private copy of the last answer while the settings and
    every variable it looked up are unchanged (so a rotated variable is read at once). Resolving
    is most of the cost of an in-process hit. The answer stays in this process, beside the
    environment it came from; nothing resolved reaches Redis or the database."""
    settings = conf.get_settings()
    last = kept.answer
    if type(last) is Answer and last.settings is settings and environ.unchanged(last.reads):
        found: dict[str, Any] = orjson.loads(last.text)
        return found
    reads = Reads()
    resolved = resolve(Entry.of(orjson.loads(kept.raw)), reads)  # checked by decode before it was kept
    if resolved is not None:
        kept.answer = Answer(orjson.dumps(resolved), settings, reads)
    return resolved


def _warn_unset(where: str | Callable[[], str], name: str, tenant_id: str, database: bool) -> None:
    text = _text(where)
    seen = (text, name[:MEMO_CHARS])
    if seen in _warned:
        return
    if len(_warned) >= WARNED:
        _warned.clear()
    _warned.add(seen)
    if database and not env_access.allowed(tenant_id, name):
        logger.warning("%s: variable %s may not be read by this tenant; using an empty string", text, name)
    else:
        logger.warning("%s: variable %s is not set; using an empty string", text, name)


def _text(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()
