"""What a change of a tenant was, as far as the writer knows it, and its form in a channel message.

A note rides in the invalidation message beside the tokens, as one item per tenant:
``^<id>:<version>`` (sections unknown) or ``^<id>:<version>:<section>,<section>`` (each section
percent-encoded; nothing after the second colon: no section changed). The version is empty when
unknown (a delete, an explicit invalidation, the QuerySet paths). A peer on the older format reads
such an item as a tenant id no tenant can have (ids start with a letter or digit) with no token: it
drops nothing and keeps no hint, so both formats can share a channel during a rolling upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

NOTE = "^"


class Change(NamedTuple):
    version: int | None  # None: deleted, or not known
    sections: frozenset[str] | None  # the top-level keys that changed; None: not known


UNKNOWN = Change(None, None)
Changes = Mapping[str, Change]


def sections_changed(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> frozenset[str]:
    """The top-level keys added, removed or changed between two configs (all of ``new``'s when created)."""
    if old is None:
        return frozenset(new)
    return frozenset(key for key in {*old, *new} if key not in old or key not in new or old[key] != new[key])


def note_items(changes: Changes) -> list[str]:
    items = []
    for tenant_id, change in sorted(changes.items()):
        version = "" if change.version is None else str(change.version)
        item = f"{NOTE}{tenant_id}:{version}"
        if change.sections is not None:
            item += ":" + ",".join(quote(section, safe="") for section in sorted(change.sections))
        items.append(item)
    return items


def parse_note(item: str) -> tuple[str, Change]:
    """``(tenant id, change)`` of an item that starts with :data:`NOTE`; ValueError if malformed."""
    tenant_id, _, rest = item[len(NOTE) :].partition(":")
    version_text, colon, listed = rest.partition(":")
    version = int(version_text) if version_text else None
    sections = frozenset(unquote(s) for s in listed.split(",") if s) if colon else None
    return tenant_id, Change(version, sections)


def merged(earlier: Change, later: Change) -> Change:
    """One change standing for two heard before either was reported."""
    unknown = later.version is None or earlier.version is None
    version = later.version if unknown else max(earlier.version or 0, later.version or 0)
    both = earlier.sections is not None and later.sections is not None and earlier.version is not None
    sections = (earlier.sections or frozenset()) | (later.sections or frozenset()) if both else None
    return Change(version, sections)
