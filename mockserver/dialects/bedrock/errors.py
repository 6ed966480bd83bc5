"""Bedrock Runtime's errors as AWS sends them (rest-json): the HTTP status, an
``x-amzn-ErrorType`` header naming the modelled exception, an ``x-amzn-RequestId`` header and a
``{"message": "…"}`` body. botocore reads the code from the header (``RestJSONParser.
_inject_error_code``) and the text from ``message``, and raises e.g. ``ValidationException``.

Sources: the service model (``bedrock-runtime`` 2023-09-30: each exception shape's
``httpStatusCode``: ValidationException 400, AccessDeniedException 403,
ResourceNotFoundException 404, ModelTimeoutException 408, ModelErrorException 424,
ThrottlingException 429, InternalServerException 500, ServiceUnavailableException 503) and
reported texts: "Too many requests, please wait before trying again." (ThrottlingException,
e.g. langchain-ai/langchain-aws#80), "Bedrock is unable to process your request."
(ServiceUnavailableException), "The system encountered an unexpected error during processing.
Try your request again." (InternalServerException), "You don't have access to the model with the
specified model ID." (AccessDeniedException). Mock-only errors (no matching rule, a scenario
error, a bad ``X-Mock-*`` header) keep their ``code`` and details beside ``message``.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Any, Mapping

from mockserver.wire.errors import APIError

TYPES = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    409: "ConflictException",
    413: "ValidationException",
    415: "ValidationException",
    422: "ValidationException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    502: "InternalServerException",
    503: "ServiceUnavailableException",
    504: "ModelTimeoutException",
    529: "ServiceUnavailableException",
}
MOCK_CODES = frozenset({"no_matching_rule", "scenario_error", "invalid_mock_header", "unknown_scenario", "invalid_scenario"})

# An injected fault's text per status, in AWS's words where they are known (a rule's or the
# header's own message still wins).
FAULT_MESSAGES = {
    400: "Malformed input request, please reformat your input and try again.",
    401: "The security token included in the request is invalid.",
    403: "You don't have access to the model with the specified model ID.",
    404: "Could not resolve the foundation model from the provided model identifier.",  # aws-samples/bedrock-chat#91
    408: "Model has timed out in processing the request. Try your request again.",
    429: "Too many requests, please wait before trying again.",
    500: "The system encountered an unexpected error during processing. Try your request again.",
    502: "The system encountered an unexpected error during processing. Try your request again.",
    503: "Bedrock is unable to process your request.",
    504: "Model has timed out in processing the request. Try your request again.",
    529: "Bedrock is unable to process your request.",
}
# what the other dialects send for a mid-stream server error that names no message (OpenAI's text)
OPENAI_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"


def error_type(error: APIError) -> str:
    return TYPES.get(error.status, "ValidationException" if error.status < 500 else "InternalServerException")


def error_body(error: APIError) -> dict[str, Any]:
    body: dict[str, Any] = {"message": error.message}
    if error.code in MOCK_CODES:
        body["code"] = error.code
        body.update(error.extra)
    return body


def request_id() -> str:
    """A fresh request id, shaped like AWS's (a UUID)."""
    return str(uuid.uuid4())


# the header as AWS sends it: the exception's name, then a colon and the service's namespace
# (botocore and the AWS SDK for JavaScript keep what is before the colon), e.g.
# "x-amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"
# (aws-samples/amazon-bedrock-client-for-mac#11)
NAMESPACE = ":http://internal.amazon.com/coral/com.amazon.bedrock/"


def error_headers(error: APIError) -> dict[str, str]:
    return {"x-amzn-ErrorType": error_type(error) + NAMESPACE, **error.headers, "x-amzn-RequestId": request_id()}


def auth_error(expected: str | None, headers: Mapping[str, str]) -> APIError | None:
    """With ``--api-key``: a SigV4-signed request (``Authorization: AWS4-HMAC-SHA256 …``) is
    accepted whatever its credentials (the AWS SDKs sign every request; the mock cannot know the
    secret), a Bedrock API key must be the bearer token ``--api-key`` names. Without any
    ``Authorization``, AWS answers 403 ``MissingAuthenticationTokenException`` "Missing
    Authentication Token"; a wrong bearer key, 403 "The security token included in the request is
    invalid." (``UnrecognizedClientException``)."""
    if not expected:
        return None
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    if scheme.upper().startswith("AWS4-"):
        return None
    if scheme.lower() == "bearer" and token.strip() and hmac.compare_digest(token.strip().encode(), expected.encode()):
        return None
    if not scheme:
        return APIError("Missing Authentication Token", status=403,
                        headers={"x-amzn-ErrorType": "MissingAuthenticationTokenException"})
    return APIError("The security token included in the request is invalid.", status=403,
                    headers={"x-amzn-ErrorType": "UnrecognizedClientException"})
