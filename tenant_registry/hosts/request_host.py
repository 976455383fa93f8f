"""A request's host as ``request.get_host()`` sees it (X-Forwarded-Host only with USE_X_FORWARDED_HOST,
ALLOWED_HOSTS enforced), normalized for lookups. Validation is remembered per raw host, since matching
ALLOWED_HOSTS on every request was a measurable part of a request's cost; the memory is dropped when
a setting it depends on changes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host

MEMO_SIZE = 4096  # distinct raw hosts remembered; arbitrary Host headers cannot grow it past this
_memo: dict[str, str] = {}  # raw host -> its domain, or "" when ALLOWED_HOSTS refuses it
_flags: list[bool] = []  # [USE_X_FORWARDED_HOST], read once per settings
SETTINGS = ("ALLOWED_HOSTS", "DEBUG", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT")


def raw_host(request: HttpRequest) -> str:
    if not _flags:
        _flags.append(bool(settings.USE_X_FORWARDED_HOST))
    meta = request.META
    if _flags[0] and "HTTP_X_FORWARDED_HOST" in meta:
        return str(meta["HTTP_X_FORWARDED_HOST"])
    host = meta.get("HTTP_HOST")
    return str(host) if host is not None else request.get_host()  # no Host header (HTTP/1.0): PEP 333's rebuild


def request_domain(request: HttpRequest) -> str:
    """The host without its port, lowercased; DisallowedHost (a 400) when ALLOWED_HOSTS refuses it."""
    raw = raw_host(request)
    domain = _memo.get(raw)
    if domain is None:
        domain = _validate(raw)
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[raw] = domain
    if not domain:
        request.get_host()  # raises Django's own DisallowedHost, with its message
        raise DisallowedHost(f"Invalid HTTP_HOST header: {raw!r}.")
    return domain


def _validate(raw: str) -> str:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(raw)
    return domain if domain and validate_host(domain, allowed) else ""


def forget() -> None:
    _memo.clear()
    _flags.clear()
