"""One record of the log: its fields, its canonical line, its hash. Pure functions only.

A record is stored as one line of canonical JSON (orjson, sorted keys, compact) followed by a
newline. Its ``hash`` is the SHA-256 of the canonical JSON of the record *without* ``hash``.
Because ``"hash"`` sorts before every other field name, the stored line is exactly
``{"hash":"<hex>",`` followed by the hashed bytes minus their opening brace; the writer builds
both with a single serialisation of the payload.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from store.canonical import canonical_json, content_hash
from store.errors import StoreEncodeError

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first record: 64 zeros."""

FIELDS = ("seq", "ts", "kind", "payload", "prev_hash", "hash")
_FIELD_COUNT = len(FIELDS)
_TYPE_WORDS: dict[type, str] = {int: "an integer", str: "a string", dict: "an object"}
_loads = orjson.loads
_TS_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
_HASH_PATTERN = re.compile(r"[0-9a-f]{64}\Z")


class Record(NamedTuple):
    """One immutable record of the evolution log.

    Why a ``NamedTuple`` and not a pydantic model or a frozen dataclass: opening a log of a
    million events builds a million records, and construction cost is what decides whether
    that fits the five-second budget. Measured on CPython 3.11: a ``NamedTuple`` costs about
    0.2 µs per record, a slotted frozen dataclass about 1.1 µs (every field goes through
    ``object.__setattr__``), a frozen pydantic model about 1.4 µs. A tuple is also immutable
    by construction. Records are values validated by the reader, so nothing is lost by not
    re-validating them in a constructor.

    ``payload`` is a plain ``dict``: parsed from the stored JSON for a record read back, the
    very dict the caller passed for one ``append`` returns (so do not change it afterwards).
    The two are equal for plain JSON data; values JSON lacks are stored in their JSON form (a
    tuple reads back as a list). Changing a payload never changes the store.
    """

    seq: int
    """Position in the log, 1 for the first record, without gaps."""
    ts: str
    """When the record was appended: RFC 3339, UTC, microseconds, ``Z`` suffix."""
    kind: str
    """What happened; opaque to the store, given meaning by the domain."""
    payload: dict[str, Any]
    """The event's data; opaque to the store."""
    prev_hash: str
    """``hash`` of the previous record, or 64 zeros for the first."""
    hash: str
    """SHA-256 (hex) of the canonical JSON of this record without ``hash``."""

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict, ``hash`` included."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.kind,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def new_record(fields: tuple[int, str, str, dict[str, Any], str, str]) -> Record:
    """Build a ``Record`` from already-checked fields, in ``Record`` field order.

    ``tuple.__new__`` skips the NamedTuple's Python-level ``__new__``: half the cost of
    ``Record(...)``, on the path that builds every record of a scan or a group commit.
    """
    return tuple.__new__(Record, fields)


EncodedPayload = tuple[str, bytes, bytes, dict[str, Any]]
"""What ``encode_payload`` returns and ``EventLog`` writes under its lock."""


class MalformedRecord(ValueError):
    """A line is not a well-formed record; the reader adds the line number."""

    def __init__(self, reason: str, seq: int | None = None) -> None:
        super().__init__(reason, seq)
        self.reason = reason
        self.seq = seq


def format_ts(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``: ``2024-05-01T12:00:00.000000Z``."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat of a UTC datetime ends in "+00:00"; it is faster than strftime on this path.
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash a record must carry: SHA-256 of its canonical JSON without ``hash``."""
    return content_hash({name: value for name, value in record.items() if name != "hash"})


def encode_line(
    seq: int, ts: str, kind_json: bytes, payload_json: bytes, prev_hash: str
) -> tuple[str, bytes]:
    """Build a record's hash and its stored line (newline included).

    ``kind_json`` and ``payload_json`` are already canonical JSON. The body is assembled in
    sorted key order, byte for byte what ``canonical_json`` would produce for the record
    without ``hash`` (a property test holds this), so the payload is serialised once.
    """
    body = b'{"kind":%b,"payload":%b,"prev_hash":"%b","seq":%d,"ts":"%b"}' % (
        kind_json,
        payload_json,
        prev_hash.encode("ascii"),
        seq,
        ts.encode("ascii"),
    )
    digest = hashlib.sha256(body).hexdigest()
    return digest, b'{"hash":"%b",%b\n' % (digest.encode("ascii"), body[1:])


def encode_payload(kind: str, payload: Mapping[str, Any]) -> EncodedPayload:
    """Check and serialise a kind and payload once, before the writer takes its lock.

    Returns:
        ``(kind, kind as JSON, payload as canonical JSON, payload as a dict)``.

    Raises:
        StoreEncodeError: ``kind`` is not a non-empty string, or ``payload`` is not a
            mapping that canonical JSON can encode.
    """
    if type(kind) is not str or not kind:
        raise StoreEncodeError(str(kind), "kind must be a non-empty string")
    if type(payload) is not dict:
        if not isinstance(payload, Mapping):
            kind_name = type(payload).__name__
            raise StoreEncodeError(kind, f"payload must be a mapping, not {kind_name}")
        payload = dict(payload)
    # The record keeps the caller's dict, neither copied nor parsed back from the stored
    # JSON: measured, a copy per record (through the garbage collector's extra work) or a
    # parse per record each cost more than the rest of a group commit's work per record.
    try:
        payload_json = canonical_json(payload)
    except orjson.JSONEncodeError as exc:
        raise StoreEncodeError(kind, str(exc)) from exc
    kind_json = _KIND_JSON.get(kind)
    if kind_json is None:
        kind_json = orjson.dumps(kind)
        if len(_KIND_JSON) < _KIND_CACHE_SIZE:
            _KIND_JSON[kind] = kind_json
    return kind, kind_json, payload_json, payload


# A process has a few dozen kinds; their JSON is computed once. A plain dict rather than
# lru_cache because the lookup is on the per-record path of append_many.
_KIND_JSON: dict[str, bytes] = {}
_KIND_CACHE_SIZE = 1024


def decode_line(raw: bytes) -> Record:
    """Parse one stored line into a ``Record``, checking its shape but not its hash or links.

    This is the hot loop of every scan, so the common case is one parse, one tuple and a
    handful of type checks; working out *why* a line is bad is left to the slow path.

    Raises:
        MalformedRecord: not UTF-8, not JSON, not an object with exactly the record's fields,
            or a field of the wrong type.
    """
    try:
        data = _loads(raw)
        fields = (
            data["seq"],
            data["ts"],
            data["kind"],
            data["payload"],
            data["prev_hash"],
            data["hash"],
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        raise MalformedRecord(_problem(raw)) from None
    if (
        len(data) == _FIELD_COUNT
        and type(fields[0]) is int
        and type(fields[1]) is str
        and type(fields[2]) is str
        and fields[2]
        and type(fields[3]) is dict
        and type(fields[4]) is str
        and type(fields[5]) is str
    ):
        return tuple.__new__(Record, fields)  # see new_record
    raise MalformedRecord(_problem(raw), fields[0] if type(fields[0]) is int else None)


def _problem(raw: bytes) -> str:
    """Why ``raw`` is not a well-formed record (the slow path of ``decode_line``)."""
    try:
        data = _loads(raw)
    except orjson.JSONDecodeError as exc:
        return _json_reason(raw, exc)
    if type(data) is not dict:
        return "not a JSON object"
    missing = [name for name in FIELDS if name not in data]
    if missing:
        return f"missing field {missing[0]!r}"
    extra = sorted(set(data) - set(FIELDS))
    if extra:
        return f"unexpected field {extra[0]!r}"
    expected_types = {"seq": int, "ts": str, "kind": str, "payload": dict}
    expected_types.update(prev_hash=str, hash=str)
    for name, kind in expected_types.items():
        if type(data[name]) is not kind:
            return f"{name} is not {_TYPE_WORDS[kind]}"
    return "kind is empty"


def strict_problem(record: Record) -> str | None:
    """What ``verify`` adds to what every read checks: the formats of ``ts`` and ``prev_hash``.

    Every reader already recomputes each record's hash (``hash_matches``).

    Returns:
        A reason when the record is wrong, ``None`` when it is right.
    """
    if not _TS_PATTERN.match(record.ts):
        return f"ts {record.ts!r} is not RFC 3339 UTC with microseconds"
    if not _HASH_PATTERN.match(record.prev_hash):
        return "prev_hash is not 64 lowercase hex digits"
    return None


HASH_MISMATCH = "hash does not match the record's content"
"""The reason a ``StoreCorruptError`` gives for a record whose hash is not its content's."""

_HASH_PREFIX = b'{"hash":"'
BODY_START = len(_HASH_PREFIX) + 64 + 2
"""Offset of the hashed body (after its brace) in a line the writer wrote:
``{"hash":"<64 hex>",`` comes first."""


def hash_matches(raw: bytes, record: Record) -> bool:
    """True when ``record`` (parsed from the stored line ``raw``) hashes to its ``hash``.

    The fast path hashes the line's own bytes: a line the writer wrote is
    ``{"hash":"<hex>",`` followed by the hashed body without its opening brace (see
    ``encode_line``), so the body is re-hashed without serialising anything again. A line in
    any other layout (valid JSON, but not the writer's bytes) falls back to the canonical JSON
    of the parsed fields, which is what the hash is defined over.
    """
    if (
        raw.startswith(_HASH_PREFIX)
        and raw[BODY_START - 2 : BODY_START] == b'",'
        and hashlib.sha256(b"{" + raw[BODY_START:-1]).hexdigest() == record.hash
    ):
        return True
    body = {
        "kind": record.kind,
        "payload": record.payload,
        "prev_hash": record.prev_hash,
        "seq": record.seq,
        "ts": record.ts,
    }
    return content_hash(body) == record.hash


def _json_reason(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not valid UTF-8 (byte {bad.start} of the line)"
    return f"not valid JSON ({exc})"
