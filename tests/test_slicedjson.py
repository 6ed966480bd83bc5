"""The sliced JSON codec gives exactly orjson's result (or steps aside), for any JSON value."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.wire import slicedjson

scalars = st.none() | st.booleans() | st.integers(min_value=-(1 << 70), max_value=1 << 70) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6), max_leaves=40)


@settings(max_examples=150, deadline=None)
@given(values)
def test_loads_is_orjson_or_steps_aside(value):
    try:
        raw = orjson.dumps(value)
    except orjson.JSONEncodeError:  # a lone surrogate, an integer past 64 bits
        return
    decoded = slicedjson.loads(raw)
    assert decoded is None or decoded == orjson.loads(raw)


@settings(max_examples=150, deadline=None)
@given(values)
def test_dumps_sorted_is_orjson(value):
    try:
        expected = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return
    old = slicedjson.SLICED_ITEMS
    slicedjson.SLICED_ITEMS = 1  # every container member by member
    try:
        assert slicedjson.dumps_sorted(value) == expected
    finally:
        slicedjson.SLICED_ITEMS = old


def test_what_orjson_reads_otherwise_goes_to_orjson():
    for raw in (b'"\\ud800"', b"1e400", b"[NaN]", b"18446744073709551616", b"[1] x", b"{", b"\xff"):
        assert slicedjson.loads(raw) is None
    assert slicedjson.loads(b' {"a": [1, 2.5, "x", null, true]} ') == {"a": [1, 2.5, "x", None, True]}
    big = [{"role": "user", "content": f"m{i}"} for i in range(5000)]
    assert slicedjson.dumps_sorted({"messages": big, "model": "m"}) == orjson.dumps({"messages": big, "model": "m"}, option=orjson.OPT_SORT_KEYS)
