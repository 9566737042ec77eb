"""Property tests: canonical JSON, hashing, and the stored line of a record."""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from store import Record, canonical_json, content_hash, sha256_hex
from store.record import GENESIS_HASH, decode_line, encode_line, record_hash

# JSON values orjson round-trips exactly: 64-bit integers, finite floats, any Unicode text
# that is not a lone surrogate (those are not valid UTF-8).
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=5),
    max_leaves=25,
)
json_objects = st.dictionaries(_text, json_values, max_size=6)

_settings = settings(max_examples=150, deadline=None)


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys inserted in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@_settings
@given(json_values, st.randoms(use_true_random=False))
def test_canonical_json_ignores_key_order(value: Any, rng: random.Random) -> None:
    assert canonical_json(_shuffled(value, rng)) == canonical_json(value)
    assert content_hash(_shuffled(value, rng)) == content_hash(value)


@_settings
@given(json_values)
def test_canonical_json_round_trips(value: Any) -> None:
    assert orjson.loads(canonical_json(value)) == value


@_settings
@given(json_values)
def test_canonical_json_is_a_fixed_point(value: Any) -> None:
    """Parsing canonical bytes and serialising again gives the same bytes."""
    encoded = canonical_json(value)
    assert canonical_json(orjson.loads(encoded)) == encoded


@_settings
@given(_text)
def test_unicode_is_stored_as_utf8_not_escaped(text: str) -> None:
    encoded = canonical_json({"t": text})
    assert encoded.decode("utf-8") == '{"t":' + orjson.dumps(text).decode("utf-8") + "}"
    assert orjson.loads(encoded)["t"] == text


def test_canonical_json_is_compact_and_sorted() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == b'{"a":[1,{"c":3,"d":2}],"b":1}'


def test_content_hash_is_sha256_of_canonical_bytes() -> None:
    value = {"é": "ü", "n": 1}
    assert content_hash(value) == sha256_hex(canonical_json(value))
    assert content_hash({"a": 1}) != content_hash({"a": 2})


@_settings
@given(
    seq=st.integers(min_value=1, max_value=2**40),
    kind=_text.filter(bool),
    payload=json_objects,
)
def test_encoded_line_is_the_canonical_record(seq: int, kind: str, payload: dict[str, Any]) -> None:
    """The writer's single-serialisation line is byte for byte canonical_json of the record,
    and its hash is the hash of the record without ``hash``."""
    ts = "2024-05-01T12:00:00.000001Z"
    digest, line = encode_line(seq, ts, orjson.dumps(kind), canonical_json(payload), GENESIS_HASH)
    record = Record(seq, ts, kind, payload, GENESIS_HASH, digest)
    assert line == canonical_json(record.to_dict()) + b"\n"
    assert digest == record_hash(record.to_dict())
    assert digest == content_hash({k: v for k, v in record.to_dict().items() if k != "hash"})
    assert decode_line(line) == record


@_settings
@given(json_objects, st.randoms(use_true_random=False))
def test_record_hash_ignores_key_order(payload: dict[str, Any], rng: random.Random) -> None:
    fields = {
        "seq": 7,
        "ts": "2024-05-01T12:00:00.000001Z",
        "kind": "k",
        "payload": payload,
        "prev_hash": GENESIS_HASH,
    }
    assert record_hash(_shuffled(fields, rng)) == record_hash(fields)
