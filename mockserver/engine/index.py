"""Rule indexing: find the rules that can match a request without scanning them all.

A rule is indexed under its most selective exact matcher — the last message's exact text, or
the exact model — and found by a dict lookup; rules without such a matcher are always
candidates. Candidates keep their order (priority, then load order), so "first match wins"
is unchanged; the matchers still run on every candidate.

Rules without an exact key whose ``last_message`` needs a literal (``contains``, or plain text
every match of its regex contains; see engine/literals.py) go through a literal prefilter:
each is filed under one 3-character slice of its literal, the slices present in the request's
last message pick the buckets, and a rule is a candidate only if its literal is in the text —
so 10,000 regex rules cost a few dict lookups, not 10,000 regex searches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable

from mockserver.engine.context import STEP, Conversation, text_of
from mockserver.engine.literals import MIN_LENGTH, required_literal
from mockserver.engine.matchers import LastMessage, Model, ToolResultMatcher

if TYPE_CHECKING:
    from mockserver.engine.model import Rule


def index_key(rule: "Rule") -> Hashable | None:
    for matcher in rule.matchers:
        if isinstance(matcher, LastMessage) and matcher.exact is not None:
            return ("last", matcher.exact)
    for matcher in rule.matchers:
        if isinstance(matcher, Model) and matcher.exact is not None:
            return ("model", matcher.exact)
    return None


def possible_after(rule: "Rule", role: str | None) -> bool:
    """False when ``rule`` cannot match a request whose last message has ``role``: its
    ``last_message`` wants other roles, or it wants tool results just sent (``within: step``),
    and after a user or assistant message there are none. (Sound: only sure misses are False.)"""
    for matcher in rule.matchers:
        if isinstance(matcher, LastMessage) and matcher.roles is not None and role not in matcher.roles:
            return False
        if isinstance(matcher, ToolResultMatcher) and matcher.within == STEP and role in ("user", "assistant"):
            return False
    return True


ROLES_KEPT = 32  # per-role candidate filters kept (roles are few; clients choose them)


class RuleIndex:
    def __init__(self, rules: list["Rule"]) -> None:
        self.rules = rules
        self.unindexed: list[int] = []
        self.by_key: dict[Hashable, list[int]] = {}
        self.literals = LiteralFilter()
        for position, rule in enumerate(rules):
            key = index_key(rule)
            if key is not None:
                self.by_key.setdefault(key, []).append(position)
            elif not self.literals.add(position, rule):
                self.unindexed.append(position)
        # per last-message role: which rules can match at all, and the unindexed ones that can
        self._by_role: dict[str | None, tuple[list[bool], list["Rule"]]] = {}

    def _for_role(self, role: str | None) -> tuple[list[bool], list["Rule"]]:
        found = self._by_role.get(role)
        if found is None:
            ok = [possible_after(rule, role) for rule in self.rules]
            found = (ok, [self.rules[p] for p in self.unindexed if ok[p]])
            if len(self._by_role) < ROLES_KEPT:
                self._by_role[role] = found
        return found

    def candidates(self, conv: Conversation) -> list["Rule"]:
        last = conv.last
        role = last.get("role")
        ok, unindexed = self._for_role(role if isinstance(role, str) else None)
        if not self.by_key and not self.literals:
            return unindexed
        text = text_of(last)
        hits = [self.by_key.get(("last", text)), self.by_key.get(("model", conv.model))]
        if self.literals:
            hits.append(self.literals.positions(text))
        lists = [h for h in hits if h]
        if not lists:
            return unindexed
        positions = self.unindexed.copy()
        for found in lists:
            positions += found
        positions.sort()  # sorted runs, each rule filed once: Timsort merges them in one pass
        rules = self.rules
        return [rules[p] for p in positions if ok[p]]


class LiteralFilter:
    """Rules filed by a slice of the literal their last message needs (case-blind ones apart)."""

    def __init__(self) -> None:
        self.buckets: tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]]] = ({}, {})
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, position: int, rule: "Rule") -> bool:
        for matcher in rule.matchers:
            if isinstance(matcher, LastMessage):
                found = required_literal(matcher)
                if found is not None:
                    literal, blind = found
                    buckets = self.buckets[blind]
                    # the least crowded slice, so common words do not gather many rules
                    slices = [literal[i:i + MIN_LENGTH] for i in range(len(literal) - MIN_LENGTH + 1)]
                    best = min(slices, key=lambda g: len(buckets.get(g, ())))
                    buckets.setdefault(best, []).append((position, literal))
                    self.count += 1
                    return True
        return False

    def positions(self, text: str) -> list[int]:
        """Sorted positions of the rules whose literal ``text`` contains."""
        found: list[int] = []
        for blind, buckets in enumerate(self.buckets):
            if not buckets:
                continue
            haystack = text.lower() if blind else text
            if len(buckets) <= len(haystack):
                keys = [g for g in buckets if g in haystack]
            else:
                keys = [g for g in {haystack[i:i + MIN_LENGTH] for i in range(len(haystack) - MIN_LENGTH + 1)} if g in buckets]
            for key in keys:
                found += [p for p, literal in buckets[key] if literal in haystack]
        found.sort()
        return found
