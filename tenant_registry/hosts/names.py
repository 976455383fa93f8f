"""Domain names: what a Domain row may hold, a request's host in the same form, and the names a
host is looked up under (itself, then each wildcard above it, closest first)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"(\*\.)?{LABEL}(\.{LABEL})*")
MAX_LENGTH = 253
DOMAIN_HELP = "a host name such as shop.example.com, or *.example.com for every subdomain without a domain of its own"


def normalize(name: str) -> str:
    """Lowercase, without a trailing dot: how hosts are stored and compared."""
    return name.strip().lower().removesuffix(".")


def validate_domain(name: object) -> None:
    """A Domain's name: letters, digits and hyphens in dot-separated labels, ``*.`` at most in front."""
    if not isinstance(name, str) or len(name) > MAX_LENGTH or not DOMAIN_RE.fullmatch(normalize(name)):
        raise ValidationError(f"{name!r} is not a valid domain: {DOMAIN_HELP}", code="invalid_domain")


def candidates(host: str) -> list[str]:
    """``a.b.example.com`` -> itself, ``*.b.example.com``, ``*.example.com``, ``*.com``: exact beats
    any wildcard, a closer wildcard beats a farther one. ``host`` is already normalized."""
    names = [host]
    rest = host
    while "." in rest:
        rest = rest.split(".", 1)[1]
        names.append(f"*.{rest}")
    return names
