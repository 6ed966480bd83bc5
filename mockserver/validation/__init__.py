"""Request validation, in layers: shape → tools → tool-call protocol → arguments.

Every check is a generator of :class:`~mockserver.wire.errors.APIError` problems, each naming
the offending place in ``param``; :func:`validate_request` reports the first (best) one.
"""

from mockserver.validation.pipeline import Policy, ValidatedRequest, validate_request

__all__ = ["Policy", "ValidatedRequest", "validate_request"]
