"""Which environment variables a tenant's config may read, and which of their values may be shown.

A config that the app writes (a database tenant's) may reference only: variables under the
tenant's own prefix (``TN_A1B2C3_*``), the variables named in ``SECRET_ENV``, and what
``ENV_ALLOW`` lists (names or ``fnmatch`` patterns). A variable under another tenant's prefix is
refused even when ``ENV_ALLOW`` or the tenant's own (shorter) prefix would cover it. Files of
YAML-only tenants are deployed like code and may reference any variable.

Every value read from the environment is masked wherever the registry shows a config, unless
``ENV_ALLOW`` marks its variable ``"public"``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from .. import conf
from ..exceptions import InterpolationError, InvalidConfig
from ..ids import env_prefix
from . import MEMO_CHARS
from .environ import Lookup, Reads, environ
from .interpolation import expression_paths, interpolate_string, parse, variables
from .secret_values import KeyPath, dotted

# Given candidate prefixes (``A_``, ``A_B_``, ...), the tenants that own them: prefix -> id.
PrefixOwners = Callable[[Collection[str]], Mapping[str, str]]


def memoised(owners: PrefixOwners) -> PrefixOwners:
    """``owners`` asked at most once per prefix: for the bulk write paths."""
    known: dict[str, str | None] = {}

    def ask(prefixes: Collection[str]) -> Mapping[str, str]:
        new = [p for p in prefixes if p not in known]
        if new:
            found = owners(new)
            known.update({p: found.get(p) for p in new})
        return {p: owner for p in prefixes if (owner := known[p]) is not None}

    return ask


def allowed(tenant_id: str, name: str) -> bool:
    """Whether a database tenant's config may read ``name`` (the read-time rule)."""
    global _answers
    settings = conf.get_settings()
    if _answers[0] is not settings:
        _answers = (settings, {})
    answers = _answers[1]
    found = answers.get((tenant_id, name))
    if found is None:
        found = (
            name.startswith(_prefix(tenant_id))
            or name in settings.SECRET_ENV.values()
            or _rules(settings.ENV_ALLOW).allowed(name)
        )
        if len(name) <= MEMO_CHARS:
            if len(answers) >= MEMO:
                answers.clear()
            answers[(tenant_id, name)] = found
    return found


MEMO = 8192  # (tenant, variable) answers of :func:`allowed` kept per settings object
_answers: tuple[object, dict[tuple[str, str], bool]] = (None, {})


def is_public(name: str) -> bool:
    return _rules(conf.get_settings().ENV_ALLOW).public(name)


def candidate_prefixes(name: str) -> list[str]:
    """Every ``X_`` prefix of a variable name that a tenant id could map to."""
    return [name[: index + 1] for index, char in enumerate(name) if char == "_" and index > 0]


def covering_prefixes(tenant_id: str) -> list[str]:
    """The prefixes shorter than the tenant's own that cover its variables (``TN_`` and ``TN_A_`` of
    ``tn_a-b``'s ``TN_A_B_``): a tenant owning one reads, by its own-prefix rule, this one's variables."""
    return covered_by(_prefix(tenant_id))


def covered_by(prefix: str) -> list[str]:
    """The shorter prefixes that cover ``prefix``."""
    return candidate_prefixes(prefix)[:-1]


def taken_over(tenant_id: str, config: Any, *, covering: bool) -> list[str]:
    """``<key path> (${VAR})`` of the references of ``config``, another tenant's, to ``tenant_id``'s
    variables: any under its prefix when ``config``'s tenant has a prefix covering it, else (a
    tenant with a longer prefix) its SECRET_ENV ones."""
    own = _prefix(tenant_id)
    secret_env = {own + variable for variable in conf.get_settings().SECRET_ENV.values()}
    found: list[str] = []
    for path, value in _expressions(config):
        try:
            names = dict.fromkeys(variables(parse(value)))
        except InterpolationError:
            continue
        found += [
            f"{dotted(path)} (${{{name}}})"
            for name in names
            if (name.startswith(own) if covering else name in secret_env)
        ]
    return found


def reference_problems(tenant_id: str, config: Any, owners: PrefixOwners) -> list[str]:
    """``<key path>: <why>`` for each reference a database tenant's config may not make."""
    return expression_problems(tenant_id, _expressions(config), owners)


def expression_problems(tenant_id: str, expressions: Iterable[tuple[KeyPath, str]], owners: PrefixOwners) -> list[str]:
    """:func:`reference_problems` of the values holding a ``$`` (with their paths) a walk found."""
    return [
        f"{dotted(path)}: {why}" for path, value in expressions for why in _value_problems(tenant_id, value, owners)
    ]


def check_references(tenant_id: str, config: Any, owners: PrefixOwners) -> None:
    check_expressions(tenant_id, _expressions(config), owners)


def check_expressions(tenant_id: str, expressions: Iterable[tuple[KeyPath, str]], owners: PrefixOwners) -> None:
    problems = expression_problems(tenant_id, expressions, owners)
    if problems:
        raise InvalidConfig(f"tenant {tenant_id}: " + "; ".join(problems))


def _expressions(config: Any) -> Iterator[tuple[KeyPath, str]]:
    """Every string value that holds a ``$``, with its path."""
    for path in expression_paths(config):
        value = config
        for step in path:
            value = value[step]
        yield path, value


def _value_problems(tenant_id: str, value: str, owners: PrefixOwners) -> Iterator[str]:
    try:
        names = dict.fromkeys(variables(parse(value)))
    except InterpolationError as exc:
        yield str(exc)
        return
    for name in names:
        why = _refusal(tenant_id, name, owners)
        if why is not None:
            yield f"${{{name}}} {why}"


def _refusal(tenant_id: str, name: str, owners: PrefixOwners) -> str | None:
    if name in conf.get_settings().SECRET_ENV.values():
        return None
    own = _prefix(tenant_id)
    mine = name.startswith(own)
    if not (mine or _rules(conf.get_settings().ENV_ALLOW).allowed(name)):
        return (
            f"is not an allowed variable for tenant {tenant_id} "
            f"(use {own}*, a SECRET_ENV variable, or list it in TENANT_REGISTRY['ENV_ALLOW'])"
        )
    # A tenant's own prefix covers its variables, not those of a tenant with a longer prefix inside it,
    # nor the SECRET_ENV variables of a tenant with a shorter one (ACME_ + OPENAI_API_KEY).
    secret_env = conf.get_settings().SECRET_ENV.values()
    for prefix, owner in owners(candidate_prefixes(name)).items():
        if owner != tenant_id and (len(prefix) > len(own) or not mine or name[len(prefix) :] in secret_env):
            return f"belongs to tenant {owner} (another tenant's variables are never readable)"
    return None


def unresolvable(tenant_id: str, config: Any) -> list[str]:
    """``<key path>: <why>`` for each expression a database tenant's read would fail on now
    (a required variable unset, or one it may not read)."""
    return unresolvable_in(tenant_id, _expressions(config))


def unresolvable_in(tenant_id: str, expressions: Iterable[tuple[KeyPath, str]]) -> list[str]:
    """:func:`unresolvable` of the values holding a ``$`` (with their paths) a walk found."""
    env = TenantEnviron(tenant_id)
    problems: list[str] = []
    for path, value in expressions:
        try:
            interpolate_string(value, env)
        except InterpolationError as exc:
            problems.append(f"{dotted(path)}: {exc}")
    return problems


class TenantEnviron(Lookup):
    """The environment as a database tenant's config sees it: variables it may not read are unset."""

    def __init__(self, tenant_id: str, reads: Reads | None = None) -> None:
        super().__init__(reads)
        self.tenant_id = tenant_id

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if not allowed(self.tenant_id, name):
            return default
        value = self._get(name)
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return (name for name in environ if allowed(self.tenant_id, name))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Rules:
    def __init__(self, allow: re.Pattern[str] | None, public: re.Pattern[str] | None) -> None:
        self._allow, self._public = allow, public

    def allowed(self, name: str) -> bool:
        return self._allow is not None and self._allow.fullmatch(name) is not None

    def public(self, name: str) -> bool:
        return self._public is not None and self._public.fullmatch(name) is not None


_compiled: tuple[object, _Rules] = (None, _Rules(None, None))


def _rules(setting: object) -> _Rules:
    """ENV_ALLOW compiled once per settings object: a list of patterns (values masked), or a dict
    of pattern -> "public" | "masked"."""
    global _compiled
    if _compiled[0] is not setting:
        items = setting.items() if isinstance(setting, Mapping) else ((p, "masked") for p in setting)  # type: ignore[attr-defined]
        patterns = dict(items)
        public = [p for p, kind in patterns.items() if kind == "public"]
        _compiled = (setting, _Rules(_regex(patterns), _regex(public)))
    return _compiled[1]


def _regex(patterns: Collection[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


@lru_cache(maxsize=4096)
def _prefix(tenant_id: str) -> str:
    return env_prefix(tenant_id)
