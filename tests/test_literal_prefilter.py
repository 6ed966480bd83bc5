"""The literal prefilter of the rule index never changes which rule answers: for random regex
and ``contains`` rules (case-blind too, with the letters Unicode folds oddly) and random texts,
the rules the index lets through and that match are exactly the rules a full scan finds, in
the same order."""

from __future__ import annotations

import pytest

import re
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.engine.index import RuleIndex
from mockserver.engine.literals import regex_literals
from mockserver.engine.matchers import LastMessage

ALPHABET = "askSKſKıiİﬀf "  # ſ folds onto s, K (Kelvin sign) onto k, ı and İ onto i, ﬀ onto ff
word = st.text(alphabet=ALPHABET, min_size=0, max_size=6)
ascii_word = st.text(alphabet="asSkKif ", min_size=0, max_size=6)  # rules mostly spell ASCII
rule_word = st.one_of(ascii_word, ascii_word, word)


@st.composite
def regex(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["lit", "lit", "opt", "plus", "alt", "class", "group", "igroup", "anchor"]))
        text = re.escape(draw(rule_word))
        if kind == "lit":
            parts.append(text)
        elif kind == "opt":
            parts.append(f"(?:{text})?")
        elif kind == "plus":
            parts.append(f"(?:{text})+")
        elif kind == "alt":
            parts.append(f"(?:{text}|{re.escape(draw(rule_word))})")
        elif kind == "class":
            parts.append("[ab.]*")
        elif kind == "group":
            parts.append(f"(?P<g{len(parts)}>{text})")
        elif kind == "igroup":
            parts.append(f"(?i:{text})")
        else:
            parts.append(draw(st.sampled_from(["^", "$", r"\b"])))
    return ("(?i)" if draw(st.booleans()) else "") + "".join(parts)


@st.composite
def rule_spec(draw) -> dict:
    spec: dict = {}
    if draw(st.booleans()):
        spec["regex"] = draw(regex())
    if draw(st.booleans()) or not spec:
        spec["contains"] = draw(rule_word)
    if draw(st.booleans()):
        spec["ignore_case"] = True
    if draw(st.integers(0, 4)) == 0:
        spec["equals"] = draw(rule_word)
    return spec


def _rule(spec: dict, n: int) -> SimpleNamespace:
    return SimpleNamespace(name=f"r{n}", matchers=[LastMessage(spec, ("rules", n))])


def _matches(rule, conv) -> bool:
    return all(m.evaluate(conv)[0] is None for m in rule.matchers)


FOLDS = {"s": "ſ", "k": "K", "i": "ı", "I": "İ", "S": "s", "K": "k"}


def _texts(specs: list[dict]) -> st.SearchStrategy[str]:
    """Texts made of the rules' own words, with letters swapped for what they fold onto."""
    words = [w for spec in specs for w in re.findall(r"[a-zA-Z\u00c0-\uffff ]+", spec.get("regex", "").replace("\\", "") + "|" + spec.get("contains", ""))]
    piece = st.sampled_from(words) if words else word
    swapped = piece.flatmap(lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
        lambda flips: "".join(FOLDS.get(c, c) if f else c for c, f in zip(w, flips))))
    return st.lists(st.one_of(piece, swapped, word), min_size=1, max_size=4).map("".join)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.lists(rule_spec(), min_size=1, max_size=12).flatmap(lambda specs: st.tuples(st.just(specs), _texts(specs))))
def test_prefilter_keeps_exactly_the_matching_rules_in_order(case):
    specs, text = case
    rules = [_rule(spec, n) for n, spec in enumerate(specs)]
    conv = SimpleNamespace(last={"role": "user", "content": text}, model="m")
    scanned = [r.name for r in rules if _matches(r, conv)]
    indexed = [r.name for r in RuleIndex(rules).candidates(conv) if _matches(r, conv)]
    assert indexed == scanned


def test_literals_come_only_from_parts_every_match_needs():
    assert regex_literals(re.compile("^topic 12$")) == [("topic 12", False)]
    assert regex_literals(re.compile("x(?:yyy)?zzz|")) == []  # an alternative needs nothing
    assert regex_literals(re.compile("ab(?:cde)+fgh")) == [("cde", False), ("fgh", False)]
    assert regex_literals(re.compile("(?i:HELLO) world")) == [("hello", True), (" world", False)]
    assert regex_literals(re.compile("(?i)the weather")) == [("the weather", True)]
    assert regex_literals(re.compile("(?i)ask")) == []  # ſ, K and ı fold onto s, k and i


def test_many_regex_rules_are_narrowed_before_any_regex_runs():
    rules = [_rule({"regex": f"^topic {i}$"}, i) for i in range(2000)]
    index = RuleIndex(rules)
    conv = SimpleNamespace(last={"role": "user", "content": "topic 1234"}, model="m")
    names = [r.name for r in index.candidates(conv)]
    assert "r1234" in names and len(names) < 20
    conv = SimpleNamespace(last={"role": "user", "content": "What is the weather in Paris?"}, model="m")
    assert index.candidates(conv) == []
