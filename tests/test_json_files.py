"""Reading back the JSON files digest writes (files.parse_json): what either writer wrote reads back as the
json module reads it, and damage of any kind is "not there", never an exception."""
from __future__ import annotations

import json
import math
import re

import orjson
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digest.files import parse_json, read_json

# What digest's files hold: text (any code point a writer can encode), 64-bit integers, finite floats,
# booleans and null, in lists and objects.
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=5)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=30)


@settings(max_examples=300)
@given(_VALUES, st.sampled_from(["json", "json-ascii", "json-indent", "orjson"]))
def test_what_either_writer_wrote_reads_back_as_the_json_module_reads_it(value, writer):
    raw = {"json": lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8"),
           "json-ascii": lambda v: json.dumps(v).encode("ascii"),
           "json-indent": lambda v: (json.dumps(v, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode(),
           "orjson": orjson.dumps}[writer](value)
    expected = json.loads(raw.decode("utf-8"))
    assert _same(parse_json(raw), expected)


def test_what_only_the_json_module_reads_is_still_read():
    """NaN and infinities (json.dumps writes them), a lone surrogate escape."""
    assert math.isnan(parse_json(b'{"score": NaN}')["score"])
    assert parse_json(b"[Infinity, -Infinity, 1e400]") == [math.inf, -math.inf, math.inf]
    assert parse_json(b'["\\ud800"]') == ["\ud800"]
    assert parse_json(b"[" * 1500 + b"]" * 1500) is None  # past both decoders' depth
    assert list(parse_json(b'{"a": 1, "b": 2, "a": 3}').items()) == [("a", 3), ("b", 2)]


@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_damage_of_any_kind_is_not_there_or_a_value_never_an_error(raw):
    assume(re.search(rb"\d{19}", raw) is None)  # an integer past 64 bits reads as a float (see parse_json)
    try:
        expected = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        assert parse_json(raw) is None
    else:
        assert _same(parse_json(raw), expected)


def test_unreadable_damaged_and_too_deep_files_are_not_there(tmp_path):
    assert read_json(tmp_path / "absent.json") is None
    for name, raw in [("cut.json", b'{"format": 1, "pages": [1, 2'), ("latin1.json", b'{"a": "\xe9"}'),
                      ("bom.json", b'\xef\xbb\xbf{}'), ("deep.json", b"[" * 300_000)]:
        (tmp_path / name).write_bytes(raw)
        assert read_json(tmp_path / name) is None, name


def _same(a: object, b: object) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0 nor True), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b
