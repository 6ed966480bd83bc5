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


@settings(max_examples=100, deadline=None)
@given(st.lists(values, min_size=2, max_size=30), st.integers(min_value=1, max_value=64))
def test_runs_of_list_members_are_orjson(members, run_bytes):
    """Big lists are encoded in runs of members: any run length gives orjson's bytes."""
    try:
        expected = orjson.dumps(members, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return
    old = slicedjson.SLICED_ITEMS, slicedjson.RUN_BYTES
    slicedjson.SLICED_ITEMS, slicedjson.RUN_BYTES = 1, run_bytes
    try:
        assert slicedjson.dumps_sorted(members) == expected
    finally:
        slicedjson.SLICED_ITEMS, slicedjson.RUN_BYTES = old


class _CountingOrjson:
    """orjson with its ``dumps`` calls counted, and the output size of the largest."""

    def __init__(self) -> None:
        self.calls = 0
        self.largest = 0

    def __getattr__(self, name):
        return getattr(orjson, name)

    def dumps(self, value, option=None):
        self.calls += 1
        out = orjson.dumps(value, option=option)
        self.largest = max(self.largest, len(out))
        return out


def test_a_100000_message_list_is_encoded_in_a_few_hundred_bounded_steps(monkeypatch):
    """Issue 31: the request key of a 100,000-message conversation was 100,000 orjson calls (250 ms
    of Python) whose 100,000 pieces were freed in one go at the end (~30 ms holding the GIL, while
    /healthz waited). Now runs of members: few calls, each of bounded output (a member holding a
    big container, met while runs are short, is encoded in steps; later, in its run)."""
    big_member = {"role": "user", "content": [{"type": "text", "text": f"p{i}"} for i in range(5000)]}
    messages = [{"role": "user", "content": f"m{i}"} for i in range(100_000)]
    messages[0] = messages[50_000] = big_member
    counting = _CountingOrjson()
    monkeypatch.setattr(slicedjson, "orjson", counting)
    encoded = slicedjson.dumps_sorted({"messages": messages, "model": "m"})
    assert encoded == orjson.dumps({"messages": messages, "model": "m"}, option=orjson.OPT_SORT_KEYS)
    assert counting.calls < 1000, counting.calls
    counting.calls = counting.largest = 0
    assert slicedjson.dumps_sorted(messages[:50_000]) == orjson.dumps(messages[:50_000], option=orjson.OPT_SORT_KEYS)
    assert counting.calls < 1000 and counting.largest <= 4 * slicedjson.RUN_BYTES, (counting.calls, counting.largest)
