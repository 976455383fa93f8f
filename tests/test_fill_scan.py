"""Security: the cache fill finds every literal secret and every ``$`` value of a row written past the
checks, however its JSON is written and wherever the secret sits (the scan reads the largest section
of a long row only through the row's text)."""

from __future__ import annotations

import json
import random

import pytest
from django.db import connection

from tenant_registry import cache
from tenant_registry.documents import scan
from tenant_registry.documents import secret_values as secrets
from tenant_registry.documents.interpolation import expression_paths
from tenant_registry.models import Tenant

LITERAL = "sk-LITERAL-7f3a9c"
KEYS = [
    "api_key", "apiKey", "API-KEY", "name", "token_count", "refresh_token", "Password ", "secretary", "monkey",
    "\uff21\uff30\uff29_\uff2b\uff25\uff39", "k\u00e9y", "tok\nen", 'a"b', "service_key", "smtp_password_2",
    "my$key", "null", "pass\u200bword", "api\u00ad_key",
]  # fmt: skip
VALUES = [
    "", "plain", "${VAR}", "${NOPE:-lit}", "has $ sign", "$$", LITERAL, "\u00fc\u00df", "line\nbreak", 'q"uote',
    "back\\slash", "tab\tkey", 1, 0, 1.5, 1e20, True, None, "\u2028", "key", "TOKEN",
]  # fmt: skip


def _catalog(items: int) -> dict[str, object]:
    return {
        f"item_{i:05d}": {"title": f"Safari package {i}", "days": i % 14 + 1, "price": 100.5 + i} for i in range(items)
    }


def _value(depth: int, rnd: random.Random) -> object:
    if depth > 3 or rnd.random() < 0.35:
        return rnd.choice(VALUES)
    if rnd.random() < 0.3:
        return [_value(depth + 1, rnd) for _ in range(rnd.randint(0, 4))]
    return {rnd.choice(KEYS) + rnd.choice(["", "", "_2"]): _value(depth + 1, rnd) for _ in range(rnd.randint(0, 5))}


def _doc(rnd: random.Random) -> dict[str, object]:
    doc = {rnd.choice([f"s{i}", *KEYS]): _value(1, rnd) for i in range(rnd.randint(1, 6))}
    if rnd.random() < 0.5:  # a large section, sometimes with something to find in it
        doc["catalog"] = _catalog(rnd.choice([10, 200]))
        if rnd.random() < 0.4:
            doc["catalog"][rnd.choice(KEYS)] = _value(1, rnd)
    return doc


def test_the_scan_agrees_with_the_careful_rules_however_the_json_is_written():
    rnd = random.Random(20261129)
    for _ in range(1500):
        doc = _doc(rnd)
        has_secret = any(True for _ in secrets.literal_secrets(doc))
        texts = (json.dumps(doc), json.dumps(doc, ensure_ascii=False), json.dumps(doc, separators=(",", ":")))
        for text in (None, *(t.encode() for t in texts)):
            paths, found = scan.scan(doc, text)
            assert found == has_secret, doc
            if not found:
                assert paths == list(expression_paths(doc)), doc


@pytest.mark.parametrize("key", ["smtp_pass\u200bword", "PASS\u2060WORD", "db_pass\u00adword"])
def test_a_secret_key_spelled_with_invisible_characters_is_found(key):
    doc = {"client": {"name": "Acme"}, "email": {key: LITERAL}}
    for text in (None, json.dumps(doc).encode(), json.dumps(doc, ensure_ascii=False).encode()):
        assert scan.scan(doc, text)[1] is True


def _write_past_the_checks(tenant_id: str, text: str) -> None:
    Tenant.objects.save_config(tenant_id, {"client": {"name": "x"}})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenant_registry_tenant SET config = %s WHERE id = %s", [text, tenant_id])
    Tenant.objects.invalidate(tenant_id)


@pytest.mark.parametrize(
    "where",
    ["first", "inside the largest section", "escaped letters in the largest section", "last"],
)
@pytest.mark.django_db(transaction=True)
def test_a_long_row_written_with_sql_never_fills_a_literal_secret(where, raw_redis, key_prefix):
    doc: dict[str, object] = {
        "client": {"name": "Acme"},
        "catalog": _catalog(400),
        "prompts": {"x": "${TN_A1B2C3_X:-y}"},
    }
    if where == "first":
        doc = {"email": {"smtp_password": LITERAL}, **doc}
    elif where == "last":
        doc["email"] = {"smtp_password": LITERAL}
    else:
        doc["catalog"]["item_00200"]["api_key"] = LITERAL
    text = json.dumps(doc)
    if where == "escaped letters in the largest section":
        text = text.replace('"api_key"', '"api_\\u006bey"')
    _write_past_the_checks("tn_a1b2c3", text)
    resolved = Tenant.objects.get_config("tn_a1b2c3")
    assert resolved is not None
    assert LITERAL not in json.dumps(resolved)
    assert resolved["prompts"]["x"] == "y"
    cache.settle()
    cached = b"".join(raw_redis.get(k) or b"" for k in raw_redis.scan_iter(match=f"{key_prefix}c:*"))
    assert b"tn_a1b2c3" in cached
    assert LITERAL.encode() not in cached


@pytest.mark.django_db(transaction=True)
def test_a_long_clean_row_is_interpolated_everywhere(monkeypatch):
    monkeypatch.setenv("TN_A1B2C3_REGION", "eu")
    doc = {"client": {"region": "${TN_A1B2C3_REGION}"}, "catalog": _catalog(400), "z": "${TN_A1B2C3_REGION}-z"}
    doc["catalog"]["item_00300"]["title"] = "${TN_A1B2C3_REGION:-none} tour"
    _write_past_the_checks("tn_a1b2c3", json.dumps(doc))
    resolved = Tenant.objects.get_config("tn_a1b2c3")
    assert resolved is not None
    assert resolved["client"]["region"] == "eu"
    assert resolved["catalog"]["item_00300"]["title"] == "eu tour"
    assert resolved["z"] == "eu-z"
