"""Constructors for OpenAI's standard validation messages (their wording, where it is known)."""

from __future__ import annotations

from typing import Any

from mockserver.wire.body import type_name
from mockserver.wire.errors import APIError


def missing(param: str) -> APIError:
    return APIError(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def invalid_type(param: str, expected: str, value: Any) -> APIError:
    return APIError(
        f"Invalid type for '{param}': expected {expected}, but got {type_name(value)} instead.",
        param=param,
        code="invalid_type",
    )


def _quote_list(values: list[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def invalid_value(param: str, value: Any, supported: list[str]) -> APIError:
    return APIError(
        f"Invalid value: '{value}'. Supported values are: {_quote_list(supported)}.",
        param=param,
        code="invalid_value",
    )


def empty_array(param: str) -> APIError:
    return APIError(
        f"Invalid '{param}': empty array. Expected an array with minimum length 1, "
        "but got an empty array instead.",
        param=param,
        code="empty_array",
    )


def out_of_range(param: str, value: Any, *, low: Any = None, high: Any = None, integer: bool = False) -> APIError:
    kind = "integer" if integer else "decimal"
    if low is not None and value < low:
        return APIError(
            f"Invalid '{param}': {kind} below minimum value. Expected a value >= {low}, "
            f"but got {value} instead.",
            param=param,
            code=f"{kind}_below_min_value",
        )
    return APIError(
        f"Invalid '{param}': {kind} above maximum value. Expected a value <= {high}, "
        f"but got {value} instead.",
        param=param,
        code=f"{kind}_above_max_value",
    )


def invalid(param: str | None, message: str, code: str | None = "invalid_value") -> APIError:
    return APIError(message, param=param, code=code)


def tag(problem: APIError, rule: str) -> APIError:
    """``problem`` marked as breaking ``rule`` (whose verdict, per profile, decides its fate)."""
    problem.rule = rule
    return problem
