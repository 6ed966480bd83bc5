"""Jinja2's immutable sandbox with a time budget and size limits, for scenario templates.

The sandbox already keeps templates away from Python internals and caps ``range`` at 100,000
items; it does not stop work that is merely large. This environment adds:

- **Clock checks** (:mod:`mockserver.engine.budget`) at every iteration of a ``for`` loop (the
  compiled loop iterates through :meth:`BudgetedEnvironment.budgeted_iter`), every call (filters
  excepted: they are wrapped where they can grow), every guarded operator and every piece of
  output.
- **Size limits checked before the work is done**, because one C-level operation cannot be
  interrupted: ``**`` whose integer result would exceed ``MAX_INT_BITS`` bits (``9 ** 9 ** 7``),
  ``*`` and ``+`` building a string or list longer than ``MAX_ITEMS`` (or an integer over the
  bit limit), ``%`` formats with huge widths, padding and joining methods and filters
  (``center``, ``ljust``, ``replace``, ``join``, ``batch`` …), and the output of a template or
  of any block (``~`` joins included). Over a limit, rendering fails with a message naming it,
  which the engine reports as a scenario error for the rule.

Intercepting ``**``/``*``/``+``/``%`` also keeps Jinja2 from folding such constants at compile
time, which would otherwise run ``{{ 9 ** 9 ** 7 }}`` while the scenario is being loaded.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from mockserver.engine import budget

MAX_ITEMS = 10_000_000  # characters of a string, items of a list, a template's output
MAX_INT_BITS = 100_000  # about 30,000 decimal digits
_PERCENT_SPEC_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d*))?")  # '%-10.3f'
_BRACE_SPEC_RE = re.compile(r"\{[^{}]*?:([^{}]*)\}")  # '{0:>10}'
_NUMBER_RE = re.compile(r"\d+")


class TooLarge(SecurityError):
    """A template asked for a result over the sandbox's size limits."""


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else None


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if _int_bits(left) * right > MAX_INT_BITS:
                raise TooLarge(f"{left} ** {right} would have more than {MAX_INT_BITS} bits")
    elif operator == "*":
        sized, times = (left, right) if _size(left) is not None else (right, left)
        if _size(sized) is not None and isinstance(times, int):
            if _size(sized) * times > MAX_ITEMS:
                raise TooLarge(f"repeating a {type(sized).__name__} of {_size(sized)} {times} times exceeds {MAX_ITEMS} items")
        elif _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
            raise TooLarge(f"the product would have more than {MAX_INT_BITS} bits")
    elif operator == "+":
        if _size(left) is not None and _size(right) is not None and _size(left) + _size(right) > MAX_ITEMS:  # type: ignore[operator]
            raise TooLarge(f"the concatenation would exceed {MAX_ITEMS} items")
    elif operator == "%" and isinstance(left, str):
        _check_widths(left, percent=True)


def _check_widths(fmt: str, percent: bool) -> None:
    """A format string's widths and precisions (``%9999999d``, ``{:>9999999}``) within limits."""
    if percent:
        numbers = [n for spec in _PERCENT_SPEC_RE.findall(fmt) for n in spec if n]
    else:
        numbers = [n for spec in _BRACE_SPEC_RE.findall(fmt) for n in _NUMBER_RE.findall(spec)]
    if any(len(n) > 8 or int(n) > MAX_ITEMS for n in numbers):
        raise TooLarge(f"a width or precision in the format {fmt[:40]!r} exceeds {MAX_ITEMS}")


def _check_count(name: str, *counts: Any) -> None:
    for count in counts:
        if isinstance(count, int) and count > MAX_ITEMS:
            raise TooLarge(f"{name}: {count} exceeds {MAX_ITEMS}")


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        if len(text) + hits * max(0, len(new) - len(old)) > MAX_ITEMS:
            raise TooLarge(f"replace: the result would exceed {MAX_ITEMS} characters")


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        total = len(separator) * len(items) if isinstance(separator, str) else 0
        for item in items:
            total += len(item) if isinstance(item, str) else 24
            if total > MAX_ITEMS:
                raise TooLarge(f"join: the result would exceed {MAX_ITEMS} characters")


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Methods of a string that can build a large one from small arguments (``str.format`` comes
    wrapped by the sandbox: the method is its ``__wrapped__``)."""
    obj = getattr(obj, "__wrapped__", obj)
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(obj, "__name__", "")
    if name in ("ljust", "rjust", "center", "zfill"):
        _check_count(name, *args[:1], kwargs.get("width"))
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int) and size * (owner.count("\t") + 1) + len(owner) > MAX_ITEMS:
            raise TooLarge(f"expandtabs: the result would exceed {MAX_ITEMS} characters")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif name == "join" and args:
        _check_join(owner, args[0])
    elif name in ("format", "format_map"):
        _check_widths(owner, percent=False)


def _wrap_filters() -> dict[str, Any]:
    """Jinja2's filters that can grow a result far beyond their input, each checked first."""
    original = FILTERS

    def center(value: Any, width: int = 80) -> Any:
        _check_count("center", width)
        return original["center"](value, width)

    def indent(s: Any, width: Any = 4, first: bool = False, blank: bool = False) -> Any:
        if isinstance(width, int) and isinstance(s, str) and width * (s.count("\n") + 1) > MAX_ITEMS:
            raise TooLarge(f"indent: the result would exceed {MAX_ITEMS} characters")
        if isinstance(width, str) and isinstance(s, str) and len(width) * (s.count("\n") + 1) > MAX_ITEMS:
            raise TooLarge(f"indent: the result would exceed {MAX_ITEMS} characters")
        return original["indent"](s, width, first, blank)

    def format_(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            _check_widths(value, percent=True)
        return original["format"](value, *args, **kwargs)

    def replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(s, old, new)
        return original["replace"](eval_ctx, s, old, new, count)

    def join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        if attribute is None:
            value = list(value) if not isinstance(value, (list, tuple, str)) else value
            _check_join(d, value)
        return original["join"](eval_ctx, value, d, attribute)

    def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
        _check_count("batch", linecount)
        return original["batch"](value, linecount, fill_with)

    def slice_(value: Any, slices: int, fill_with: Any = None) -> Any:
        _check_count("slice", slices)
        return original["slice"](value, slices, fill_with)

    replace.jinja_pass_arg = original["replace"].jinja_pass_arg  # type: ignore[attr-defined]
    join.jinja_pass_arg = original["join"].jinja_pass_arg  # type: ignore[attr-defined]
    return {"center": center, "indent": indent, "format": format_, "replace": replace, "join": join,
            "batch": batch, "slice": slice_}


def bounded_concat(pieces: Iterable[Any]) -> str:
    """``"".join`` that stops at ``MAX_ITEMS`` characters and checks the clock per piece."""
    out: list[str] = []
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > MAX_ITEMS:
            raise TooLarge(f"the template's output would exceed {MAX_ITEMS} characters")
        budget.check()
        out.append(piece)
    return "".join(out)


class _BudgetedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # every for loop iterates through environment.budgeted_iter (a call: itself a checkpoint)
        for loop in node.find_all(nodes.For):
            if not getattr(loop, "budgeted", False):
                loop.iter = nodes.Call(nodes.EnvironmentAttribute("budgeted_iter"), [loop.iter], [], None, None)
                loop.budgeted = True  # type: ignore[attr-defined]
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # `a ~ b`: joined within the size limit (autoescape is off for scenario templates)
        self.write("environment.str_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _BudgetedCodeGenerator
    intercepted_binops = frozenset(["**", "*", "+", "%"])
    concat = staticmethod(bounded_concat)  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters.update(_wrap_filters())
        self.globals.pop("lipsum", None)  # paragraphs of filler text, unbounded in n: not for mocks

    @staticmethod
    def budgeted_iter(iterable: Any) -> Iterator[Any]:
        for item in iterable:
            budget.check()
            yield item

    @staticmethod
    def str_concat(values: Iterable[Any]) -> str:
        return bounded_concat(map(str, values))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget.check()
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's signature
        budget.check()
        _check_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)
