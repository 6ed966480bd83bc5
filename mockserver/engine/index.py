"""Rule indexing: find the rules that can match a request without scanning them all.

A rule is indexed under its most selective exact matcher — the last message's exact text, or
the exact model — and found by a dict lookup; rules without such a matcher are always
candidates. Candidates keep their order (priority, then load order), so "first match wins"
is unchanged; the matchers still run on every candidate.
"""

from __future__ import annotations

from heapq import merge
from typing import TYPE_CHECKING, Hashable

from mockserver.engine.context import Conversation, text_of
from mockserver.engine.matchers import LastMessage, Model

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


class RuleIndex:
    def __init__(self, rules: list["Rule"]) -> None:
        self.rules = rules
        self.unindexed: list[int] = []
        self.by_key: dict[Hashable, list[int]] = {}
        for position, rule in enumerate(rules):
            key = index_key(rule)
            if key is None:
                self.unindexed.append(position)
            else:
                self.by_key.setdefault(key, []).append(position)

    def candidates(self, conv: Conversation) -> list["Rule"]:
        if not self.by_key:
            return self.rules
        hits = [self.by_key.get(("last", text_of(conv.last))), self.by_key.get(("model", conv.model))]
        lists = [h for h in hits if h]
        if not lists:
            positions = self.unindexed
        else:
            positions = list(merge(self.unindexed, *lists))
        return [self.rules[p] for p in positions]
