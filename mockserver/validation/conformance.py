"""The conformance table (``docs/conformance.md``), generated from the dialects' rule books.

The text above the marker line is written by hand; everything below it is generated here from
the same :class:`~mockserver.validation.rules.RuleBook` objects the validators judge with, one
section per dialect. A test fails when the file and the books disagree. Regenerate with::

    python -m mockserver.validation.conformance --write docs/conformance.md

A new dialect adds the module holding its ``BOOK`` to :data:`BOOK_MODULES`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Sequence

from mockserver.validation.rules import ACCEPT, ERROR, WARN, RuleBook, Verdict

# each module has a module-level ``BOOK`` (a RuleBook); the table lists them in this order
BOOK_MODULES = ("mockserver.dialects.chat.rules", "mockserver.dialects.responses.rules", "mockserver.dialects.messages.rules",
               "mockserver.dialects.gemini.rules",
               "mockserver.dialects.bedrock.rules",
               "mockserver.dialects.ollama.rules")

# protocol sections that are not dialect rule books (no provider profiles): each module has a
# ``render_section()`` giving its markdown; listed after the books
SECTION_MODULES = ("mockserver.mcp.rules",)

MARKER = "<!-- generated from the rule books below this line: python -m mockserver.validation.conformance --write docs/conformance.md -->"
_ACTION = {ERROR: "**400**", WARN: "warning", ACCEPT: "accepted"}


def books() -> list[RuleBook]:
    return [importlib.import_module(name).BOOK for name in BOOK_MODULES]


def _cell(verdict: Verdict) -> str:
    basis = "" if verdict.basis == "provider" else f" *({verdict.basis})*"
    return _escape(f"{_ACTION[verdict.action]}{basis} — {verdict.source}")


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_book(book: RuleBook) -> str:
    lines = [f"## {book.title}", ""]
    lines.append(f"Dialect `{book.dialect}`; profiles {', '.join(f'`{p}`' for p in book.profiles)}. "
                 f"{len(book.rules)} rules.")
    if book.note:
        lines.append(book.note)
    if book.fallback is not None:
        lines.append(f"Problems of checks shared with another dialect (tool declarations, `tool_choice`) are judged "
                     f"by the rules of {book.fallback.title} above.")
    section = None
    for rule in book.rules:
        if rule.section != section:
            section = rule.section
            lines += ["", f"### {section}", "",
                      "| rule | check | " + " | ".join(book.profiles) + " |",
                      "|---|---|" + "---|" * len(book.profiles)]
        cells = [f"`{rule.id}`", _escape(rule.check)] + [_cell(rule.verdict(p)) for p in book.profiles]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render(head: str, rule_books: Sequence[RuleBook] | None = None) -> str:
    """The whole document: the hand-written ``head`` (up to the marker), then every book."""
    body = "\n".join(render_book(b) for b in (rule_books if rule_books is not None else books()))
    if rule_books is None:
        body += "".join("\n" + importlib.import_module(name).render_section() for name in SECTION_MODULES)
    return f"{head.rstrip()}\n\n{MARKER}\n\n{body}"


def head_of(text: str) -> str:
    return text.split(MARKER, 1)[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver.validation.conformance",
                                     description="Regenerate (or check) the conformance table.")
    parser.add_argument("--write", metavar="PATH", type=Path, help="rewrite PATH below its marker line")
    parser.add_argument("--check", metavar="PATH", type=Path, help="exit 1 when PATH is out of date")
    args = parser.parse_args(argv)
    path = args.write or args.check
    if path is None:
        sys.stdout.write(render(""))
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    fresh = render(head_of(current))
    if args.check:
        if current != fresh:
            print(f"{path} is out of date: python -m mockserver.validation.conformance --write {path}", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
