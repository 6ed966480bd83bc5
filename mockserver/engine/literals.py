"""Required literals of a ``last_message`` matcher, for the literal prefilter of engine/index.py.

A rule whose ``last_message`` needs a literal substring (its ``contains`` text, or a run of plain
characters every match of its regex must contain) cannot match a text without that substring,
so the index can skip it before any regex runs. Only necessary conditions are extracted: a
literal is taken from the top-level sequence of the parsed regex and from groups that must
match (never from alternatives or optional parts), so skipping is always safe.

Case-blind matching (``ignore_case``, ``(?i)``) folds with rules the regex engine does not
share with ``str.lower`` for a few letters (``ſ`` matches ``s``, the Kelvin sign ``k``, dotless
``ı`` ``i``); a case-blind literal is therefore used only when all its characters are ASCII
and none of them is one of those letters, and it is compared with the lower-cased text.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

try:  # Python 3.11+: the parser moved; the old name still works but warns
    import re._parser as sre_parse  # type: ignore[import-not-found]
    from re._constants import LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[no-redef]

# ASCII letters that some non-ASCII character matches case-blindly (see sre's special cases)
_UNSAFE_FOLD = frozenset("iksIKS")
MIN_LENGTH = 3  # shorter literals narrow too little to be worth indexing


def _runs(parsed: Any, ignore: bool) -> Iterator[tuple[str, bool]]:
    """(literal, case_blind) runs that every match of the parsed sequence contains."""
    run: list[str] = []
    for op, arg in parsed:
        if op is LITERAL:
            run.append(chr(arg))
            continue
        if run:
            yield "".join(run), ignore
            run = []
        if op is SUBPATTERN:
            _group, add_flags, del_flags, inner = arg
            blind = (ignore or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            yield from _runs(inner, blind)
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, _high, inner = arg
            if low >= 1:
                yield from _runs(inner, ignore)
        # AT (anchors), BRANCH, IN, ANY, NOT_LITERAL, ...: no literal required from them
    if run:
        yield "".join(run), ignore


def usable(literal: str, case_blind: bool) -> str | None:
    """The form to look for in the (lower-cased, if case-blind) text, or None if unusable."""
    if len(literal) < MIN_LENGTH:
        return None
    if not case_blind:
        return literal
    if not literal.isascii() or _UNSAFE_FOLD.intersection(literal):
        return None
    return literal.lower()


def regex_literals(regex: re.Pattern[str]) -> list[tuple[str, bool]]:
    """Usable (literal, case_blind) pairs that every match of ``regex`` contains."""
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags & ~re.UNICODE)
    except Exception:  # pragma: no cover - it compiled, so it parses; never let indexing fail
        return []
    if regex.flags & re.VERBOSE and not parsed.state.flags & re.VERBOSE:  # pragma: no cover
        return []
    blind = bool((regex.flags | parsed.state.flags) & re.IGNORECASE)
    out = []
    for literal, case_blind in _runs(parsed, blind):
        form = usable(literal, case_blind)
        if form is not None:
            out.append((form, case_blind))
    return out


def required_literal(matcher: Any) -> tuple[str, bool] | None:
    """The longest literal a ``last_message`` matcher's text needs, as (form, case_blind)."""
    text = matcher.text
    found: list[tuple[str, bool]] = []
    if text.contains is not None and not text.ignore_case:  # case-blind ``contains`` casefolds: "ﬀ" is "ff"
        form = usable(text.contains, False)
        if form is not None:
            found.append((form, False))
    if text.regex is not None:
        found += regex_literals(text.regex)
    return max(found, key=lambda f: len(f[0])) if found else None


__all__ = ["required_literal", "regex_literals", "MIN_LENGTH"]
