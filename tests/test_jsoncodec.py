"""``dumps_str`` writes tool-call arguments exactly as ``json.dumps`` does, whichever encoder runs."""

from __future__ import annotations

import pytest

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.wire.jsoncodec import dumps_str

values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.sampled_from(["\ud800", "\u2028", "\x7f", "1e-07"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3), st.booleans()), inner, max_size=3)),
    max_leaves=10)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(values)
def test_dumps_str_is_json_dumps(value):
    assert dumps_str(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_cases_where_the_encoders_differ():
    assert dumps_str({"x": 1e-07, "big": 1 << 70}) == '{"x":1e-07,"big":1180591620717411303424}'
    assert dumps_str({1: "a"}) == '{"1":"a"}'
    assert dumps_str({"city": "Zürich\n"}) == '{"city":"Zürich\\n"}'
