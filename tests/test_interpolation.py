import pytest

from tenant_registry.documents.interpolation import interpolate, interpolate_string, reference_name
from tenant_registry.exceptions import InterpolationError

ENV = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${SET}", "value"),
        ("pre-${SET}-post", "pre-value-post"),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${UNSET-fallback}", "fallback"),
        ("${SET:-fallback}", "value"),
        ("${SET:?needed}", "value"),
        ("${EMPTY?needed}", ""),
        ("$$", "$"),
        ("$${SET}", "${SET}"),
        ("costs $5 or $ 6", "costs $5 or $ 6"),
        ("no dollars", "no dollars"),
        ("${UNSET:-a:b-c}", "a:b-c"),
    ],
)
def test_compose_rules(text, expected):
    assert interpolate_string(text, ENV) == expected


@pytest.mark.parametrize("text", ["${UNSET:?tell me}", "${UNSET?tell me}", "${EMPTY:?tell me}"])
def test_required_variable_error_names_variable_and_message(text):
    with pytest.raises(InterpolationError) as raised:
        interpolate_string(text, ENV)
    name = "EMPTY" if "EMPTY" in text else "UNSET"
    assert name in str(raised.value)
    assert "tell me" in str(raised.value)


def test_unset_without_default_is_empty_and_reported():
    missing: list[str] = []
    assert interpolate_string("a${NOPE}b", ENV, missing.append) == "ab"
    assert missing == ["NOPE"]


def test_malformed_expression_is_an_error():
    with pytest.raises(InterpolationError, match="malformed"):
        interpolate_string("${UNCLOSED", ENV)


def test_nested_mappings_and_lists_stay_strings():
    doc = {"a": {"b": ["${SET}", 1, {"c": "${UNSET:-7}"}]}, "n": 3, "t": True}
    assert interpolate(doc, ENV) == {"a": {"b": ["value", 1, {"c": "7"}]}, "n": 3, "t": True}


def test_substituted_value_is_not_expanded_again():
    assert interpolate_string("${OUTER}", {"OUTER": "${SET}", "SET": "x"}) == "${SET}"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("${OPENAI_KEY}", "OPENAI_KEY"),
        (" ${K:?} ", "K"),
        ("${K:?required}", None),  # a message is literal text, which a secret may not carry
        ("${K:-}", "K"),
        ("${K:-sk-literal}", None),
        ("sk-abc", None),
        ("x${K}", None),
        (12, None),
    ],
)
def test_reference_name(value, name):
    assert reference_name(value) == name
