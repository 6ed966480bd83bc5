"""The token estimate follows its documented rule (mockserver/wire/usage.py, README) exactly."""

from __future__ import annotations

import pytest

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.wire.usage import _count, count_tokens

WIDE = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")


def by_the_rule(text: str) -> int:
    """Each wide-script character counts 1; each run of letters/digits ceil(len / 6); each other
    non-space character 1 — written out character by character."""
    total, run = 0, 0
    for char in text + " ":
        if char.isalnum() and not WIDE.match(char):
            run += 1
            continue
        total += (run + 5) // 6
        run = 0
        if not char.isspace():
            total += 1
    return total


pieces = st.sampled_from(list("ab9_ é中한あ\u0301²½-,.!\n\tZ٣ǅ") + ["x" * 7, "y" * 13, "12345678"])


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(), st.lists(pieces).map("".join)))
def test_count_is_the_documented_rule(text):
    assert _count(text) == by_the_rule(text)


def test_examples():
    assert count_tokens("What is the weather in Paris?") == 8  # "weather": 7 letters, 2
    assert count_tokens("abcdefghijklm") == 3  # 13 letters: ceil(13 / 6)
    assert count_tokens("北京天气") == 4
    assert count_tokens("x" * 600) == 100  # long texts take the other cache
