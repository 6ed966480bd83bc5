"""Rule matchers. Each one explains a miss as a :class:`Difference` (field, actual, expected),
so the same code that decides a match also writes the near-miss report.

A matcher is registered under the ``when`` key it handles; adding one is adding a class.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher, get_close_matches
from functools import partial
from typing import Any, Callable, ClassVar, Iterable

import regex

from mockserver.engine import budget
from mockserver.engine.context import CONVERSATION, EXCHANGE, STEP, Conversation, text_of


class SpecError(ValueError):
    """A matcher spec that the format schema accepts but that cannot work (e.g. a bad regex)."""

    def __init__(self, message: str, path: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class Difference:
    """A miss: ``field`` was ``actual`` where ``expected`` was wanted.

    ``actual`` may be given as a function computing it, and ``measure`` — how far the miss was,
    0 (almost matched) … 1 (nothing in common) — as a number or a function: only the near-miss
    report reads them, never the matching of a request, which only asks whether there is one."""

    __slots__ = ("field", "_actual", "expected", "measure")

    def __init__(self, field: str, actual: Any, expected: Any, measure: float | Callable[[], float] = 1.0) -> None:
        self.field = field
        self._actual = actual
        self.expected = expected
        self.measure = measure

    @property
    def actual(self) -> Any:
        if callable(self._actual):  # request data is never callable: a deferred value
            self._actual = self._actual()
        return self._actual

    @property
    def distance(self) -> float:
        return self.measure() if callable(self.measure) else self.measure

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Difference):
            return NotImplemented
        return (self.field, self.actual, self.expected) == (other.field, other.actual, other.expected)

    __hash__ = None  # type: ignore[assignment]  # actual may be a list or dict

    def __repr__(self) -> str:
        return f"Difference(field={self.field!r}, actual={self.actual!r}, expected={self.expected!r})"

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, got {short(self.actual)}"


def short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


DISTANCE_TEXT_LIMIT = 500  # distances are computed on the no-match path only, on at most this much text
DISTANCE_PATTERN_LIMIT = 300
PREFIX_SEARCH_SECONDS = 0.002  # one prefix search; a backtracking prefix counts as no match


def text_distance(want: str, text: str) -> float:
    """1 − similarity of two texts (difflib's ratio)."""
    return 1.0 - SequenceMatcher(None, want[:DISTANCE_TEXT_LIMIT], text[:DISTANCE_TEXT_LIMIT], autojunk=False).ratio()


def contains_distance(want: str, text: str) -> float:
    """1 − the longest part of ``want`` that ``text`` contains, as a fraction of ``want``."""
    if not want:
        return 0.0
    a, b = want[:DISTANCE_TEXT_LIMIT], text[:DISTANCE_TEXT_LIMIT]
    found = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return 1.0 - found.size / len(a)


def regex_distance(pattern: Any, text: str) -> float:
    """1 − the longest prefix of the pattern that still finds a match, as a fraction of it
    (found by bisection: about ten prefixes tried, each search time-limited)."""
    source = pattern.pattern[:DISTANCE_PATTERN_LIMIT]
    text = text[:DISTANCE_TEXT_LIMIT]
    flags = regex.IGNORECASE if pattern.flags & re.IGNORECASE else 0
    low, high = 0, len(source) - 1  # the longest matching prefix length is in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if _prefix_matches(source[:middle], flags, text):
            low = middle
        else:
            high = middle - 1
    return 1.0 - low / len(pattern.pattern) if low else 1.0


def _prefix_matches(source: str, flags: int, text: str) -> bool:
    """Whether a pattern's prefix, its open groups closed (``from (?P<a>[A-Z]`` + ``)``), matches."""
    for closing in ("", ")", "))", ")))"):
        try:
            prefix = regex.compile(source + closing, flags | regex.VERSION0)
        except (regex.error, re.error):
            continue
        try:
            return prefix.search(text, timeout=PREFIX_SEARCH_SECONDS) is not None
        except TimeoutError:
            return False
    return False


WINDOW_TEXT = {
    STEP: "just sent (after the last assistant message)",
    EXCHANGE: "since the last user message",
    CONVERSATION: "in the conversation",
}
Captures = dict[str, Any]
Outcome = tuple["Difference | None", Captures]
MATCHERS: dict[str, type["Matcher"]] = {}


def register(cls: type["Matcher"]) -> type["Matcher"]:
    MATCHERS[cls.key] = cls
    return cls


class Matcher:
    key: ClassVar[str]

    def evaluate(self, conv: Conversation) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


class Text:
    """equals / contains / regex (searched, named groups captured), optionally case-blind."""

    def __init__(self, spec: Any, *, plain: str, path: tuple[Any, ...]) -> None:
        if isinstance(spec, str):
            spec = {plain: spec}
        self.ignore_case = bool(spec.get("ignore_case"))
        self.equals = spec.get("equals")
        self.contains = spec.get("contains")
        self.regex: Any = None
        if spec.get("regex") is not None:
            self.regex = compile_regex(spec["regex"], self.ignore_case, path + ("regex",))
        fold: Callable[[str], str] = str.casefold if self.ignore_case else (lambda s: s)
        self._fold = fold

    @property
    def active(self) -> bool:
        return self.equals is not None or self.contains is not None or self.regex is not None

    def distance(self, text: str) -> float:
        """How far ``text`` is from passing (called after :meth:`test` failed)."""
        fold = self._fold
        if self.equals is not None and fold(text) != fold(self.equals):
            return text_distance(fold(self.equals), fold(text))
        if self.contains is not None and fold(self.contains) not in fold(text):
            return contains_distance(fold(self.contains), fold(text))
        if self.regex is not None:
            return regex_distance(self.regex, text)
        return 1.0

    def test(self, text: str) -> tuple[str | None, Captures]:
        """(None, captures) on a match, else (what was expected, {})."""
        if self.equals is not None and self._fold(text) != self._fold(self.equals):
            return f"equal to {self.equals!r}", {}
        if self.contains is not None and self._fold(self.contains) not in self._fold(text):
            return f"to contain {self.contains!r}", {}
        if self.regex is not None:
            found = search(self.regex, text)
            if found is None:
                return f"to match /{self.regex.pattern}/", {}
            return None, {k: v for k, v in found.groupdict().items() if v is not None}
        return None, {}


def compile_regex(pattern: str, ignore_case: bool, path: tuple[Any, ...]) -> Any:
    """A scenario regex: Python's syntax (checked, and worded, by ``re``), matched by the
    ``regex`` package, which can stop a match that runs past the request's budget."""
    try:
        checked = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise SpecError(f"invalid regex {pattern!r}: {exc}", path) from None
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0 if ignore_case else regex.VERSION0)
    except regex.error:  # pragma: no cover - a pattern re accepts that regex does not: match without a timeout
        return checked


def search(compiled: Any, text: str) -> Any:
    """``compiled.search(text)`` within the running evaluation's budget."""
    if not isinstance(compiled, regex.Pattern):  # pragma: no cover - the fallback above
        return compiled.search(text)
    try:
        return compiled.search(text, timeout=budget.remaining(), concurrent=budget.off_loop())
    except TimeoutError:
        budget.expired(f"the regex /{compiled.pattern}/")
        raise  # pragma: no cover - expired() raises


@register
class Model(Matcher):
    key = "model"

    def __init__(self, spec: Any, path: tuple[Any, ...]) -> None:
        self.text = Text(spec, plain="equals", path=path)
        self.exact = spec if isinstance(spec, str) else None

    def evaluate(self, conv: Conversation) -> Outcome:
        expected, caps = self.text.test(conv.model)
        return (Difference("model", conv.model, expected, partial(self.text.distance, conv.model)) if expected else None), caps


@register
class LastMessage(Matcher):
    key = "last_message"

    def __init__(self, spec: Any, path: tuple[Any, ...]) -> None:
        if isinstance(spec, str):
            spec = {"contains": spec}
        role = spec.get("role")
        self.roles = None if role is None else ([role] if isinstance(role, str) else list(role))
        self.text = Text({k: v for k, v in spec.items() if k != "role"}, plain="contains", path=path)
        # the exact text this matcher needs, when that is all it checks besides the role (for indexing)
        plain_equals = self.text.equals is not None and self.text.contains is None and self.text.regex is None
        self.exact = self.text.equals if plain_equals and not self.text.ignore_case else None

    def evaluate(self, conv: Conversation) -> Outcome:
        last = conv.last
        if self.roles is not None and last.get("role") not in self.roles:
            return Difference("last_message.role", last.get("role"), " or ".join(self.roles)), {}
        text = text_of(last)
        expected, caps = self.text.test(text)
        if expected:
            return Difference("last_message", text, expected, partial(self.text.distance, text)), {}
        return None, caps


@register
class UserMessage(Matcher):
    key = "user_message"

    def __init__(self, spec: Any, path: tuple[Any, ...]) -> None:
        self.text = Text(spec, plain="contains", path=path)

    def evaluate(self, conv: Conversation) -> Outcome:
        expected = "a user message"
        for text in reversed(conv.user_texts):
            expected, caps = self.text.test(text)
            if expected is None:
                return None, caps
        latest = conv.user_texts[-1] if conv.user_texts else None
        texts = conv.user_texts[-20:]
        distance = lambda: min((self.text.distance(t) for t in texts), default=1.0)  # noqa: E731
        return Difference("user_message", latest, f"a user message {expected}", distance), {}


@register
class ToolResultMatcher(Matcher):
    """A result for a call of ``tool``. By default among the results the client has just sent
    (``within: step``): a rule for step N stops matching once step N+1's results arrive, so rules
    can be written in the order of the flow. ``within: exchange`` / ``conversation`` widen it."""

    key = "tool_result"

    def __init__(self, spec: dict[str, Any] | str, path: tuple[Any, ...]) -> None:
        spec = tool_result_spec(spec)
        self.tool = spec["tool"]
        self.count = spec.get("count")
        self.json = spec.get("json") or {}
        self.within = spec.get("within", STEP)
        self.text = Text({k: spec[k] for k in ("equals", "contains", "regex", "ignore_case") if k in spec}, plain="contains", path=path)
        self.field = f"tool_result[{self.tool}]"
        self.wanted = f"a result of '{self.tool}' {WINDOW_TEXT[self.within]}"

    def evaluate(self, conv: Conversation) -> Outcome:
        field = self.field
        window = conv.results_within(self.within)
        results = [r for r in window if r.name == self.tool]
        if not results:
            return Difference(field, partial(self._absent, conv, window), self.wanted), {}
        if self.count is not None and len(results) != self.count:
            return Difference(f"{field}.count", len(results), self.count, 0.5), {}
        expected = "a result"
        for result in reversed(results):
            expected, caps = self.text.test(result.content)
            if expected is None:
                miss = self._json_miss(result.json)
                if miss is None:
                    return None, caps
                expected = miss
        last = results[-1].content
        # the tool was right: closer than absent (0.25 when the text passes and the JSON does not)
        distance = lambda: (self.text.distance(last) if self.text.test(last)[0] else 0.5) / 2  # noqa: E731
        return Difference(field, last, expected, distance), {}

    def _absent(self, conv: Conversation, window: list[Any]) -> str:
        seen = sorted({r.name or "?" for r in window})
        actual = f"results for {seen}" if seen else f"no tool results {WINDOW_TEXT[self.within]}"
        near = did_you_mean(self.tool, seen)
        if near:
            actual += f" ({near})"
        if self.within != CONVERSATION and any(r.name == self.tool for r in conv.all_tool_results):
            wider = EXCHANGE if self.within == STEP and any(r.name == self.tool for r in conv.tool_results) else CONVERSATION
            actual += f" ('{self.tool}' answered an earlier step; 'within: {wider}' would see it)"
        return actual

    def _json_miss(self, value: Any) -> str | None:
        for dotted, want in self.json.items():
            node = value
            for part in str(dotted).split("."):
                if isinstance(node, dict) and part in node:
                    node = node[part]
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    return f"JSON field '{dotted}' to be present"
            if node != want:
                return f"JSON field '{dotted}' == {want!r} (is {node!r})"
        return None


@register
class Tools(Matcher):
    key = "tools"

    def __init__(self, spec: list[str], path: tuple[Any, ...]) -> None:
        self.names = list(spec)

    def evaluate(self, conv: Conversation) -> Outcome:
        declared = conv.tools.functions
        missing = [n for n in self.names if n not in declared]
        if missing:
            # the hints only when the near-miss report reads them: difflib for every rule a
            # request skips was ~15 % of a first-seen request's handling
            return Difference("tools", partial(_declared_with_hints, list(declared), missing),
                              f"declared tools to include {missing}", len(missing) / len(self.names)), {}
        return None, {}


def _declared_with_hints(declared: list[str], missing: list[str]) -> Any:
    hints = [h for h in (did_you_mean(n, declared) for n in missing) if h]
    return f"{declared} ({'; '.join(hints)})" if hints else declared


@register
class ToolChoiceMatcher(Matcher):
    key = "tool_choice"

    def __init__(self, spec: Any, path: tuple[Any, ...]) -> None:
        if isinstance(spec, dict):
            self.mode, self.function = "function", spec["function"]
        else:
            self.mode, self.function = spec, None

    def evaluate(self, conv: Conversation) -> Outcome:
        choice = conv.tool_choice
        if choice.mode != self.mode or choice.function != self.function:
            actual = choice.function and {"function": choice.function} or choice.mode
            expected = {"function": self.function} if self.function else self.mode
            return Difference("tool_choice", actual, repr(expected)), {}
        return None, {}


@register
class Turn(Matcher):
    key = "turn"

    def __init__(self, spec: Any, path: tuple[Any, ...]) -> None:
        if isinstance(spec, int):
            self.low = self.high = spec
        else:
            self.low, self.high = spec.get("min", 0), spec.get("max")
            if self.high is not None and self.high < self.low:
                raise SpecError(f"turn: max ({self.high}) is below min ({self.low})", path)

    def evaluate(self, conv: Conversation) -> Outcome:
        turn = conv.turn
        if turn < self.low or (self.high is not None and turn > self.high):
            if self.low == self.high:
                expected: str = str(self.low)
            else:
                expected = f"between {self.low} and {self.high if self.high is not None else '∞'}"
            gap = self.low - turn if turn < self.low else turn - (self.high or 0)
            return Difference("turn", turn, expected, 1.0 - 1.0 / (1 + gap)), {}
        return None, {}


@register
class Header(Matcher):
    key = "header"

    def __init__(self, spec: dict[str, Any], path: tuple[Any, ...]) -> None:
        self.checks = [(name.lower(), Text(v, plain="equals", path=path + (name,))) for name, v in spec.items()]

    def evaluate(self, conv: Conversation) -> Outcome:
        captures: Captures = {}
        for name, text in self.checks:
            value = conv.header(name)
            if value is None:
                return Difference(f"header[{name}]", None, "the header to be present"), {}
            expected, caps = text.test(value)
            if expected:
                return Difference(f"header[{name}]", value, expected, partial(text.distance, value)), {}
            captures.update(caps)
        return None, captures


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """``did you mean 'lookup_customer'?`` for a name close to one of ``names`` (else "")."""
    close = get_close_matches(name, [n for n in names if n != name], n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else ""


def tool_result_spec(spec: dict[str, Any] | str) -> dict[str, Any]:
    """``tool_result: NAME`` is short for ``tool_result: {tool: NAME}``."""
    return {"tool": spec} if isinstance(spec, str) else spec


def build(when: dict[str, Any], path: tuple[Any, ...]) -> list[Matcher]:
    """Matchers for a ``when`` mapping, cheapest and most selective first."""
    matchers = [MATCHERS[key](spec, path + (key,)) for key, spec in when.items()]
    order = ["model", "tool_choice", "turn", "tools", "header", "last_message", "tool_result", "user_message"]
    matchers.sort(key=lambda m: order.index(m.key))
    return matchers
