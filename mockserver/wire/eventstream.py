"""AWS's binary event-stream framing (``application/vnd.amazon.eventstream``), shared by every
dialect that streams the AWS way (Bedrock's ``ConverseStream``).

One message on the wire, all integers big-endian::

    [total length: uint32][headers length: uint32][prelude CRC32: uint32]
    [headers][payload][message CRC32: uint32]

The prelude CRC covers the first 8 bytes; the message CRC covers everything before it, prelude
CRC included. Each header is ``[name length: uint8][name][type: uint8][value]``; the only type
sent here is 7 (a string: ``[length: uint16][UTF-8 bytes]``). Source: botocore's own decoder
(``botocore/eventstream.py``: ``EventStreamBuffer``, ``_validate_checksum``,
``EventStreamHeaderParser``), which the tests run over every frame this module writes.

An event carries ``:event-type``, ``:content-type`` and ``:message-type: event``; an error
raised mid-stream is ``:message-type: exception`` with ``:exception-type`` naming the modelled
exception (botocore's ``EventStream._parse_event`` raises it as ``EventStreamError``).
"""

from __future__ import annotations

from binascii import crc32
from struct import pack
from typing import Any

from mockserver.wire import jsoncodec

MEDIA_TYPE = "application/vnd.amazon.eventstream"
PRELUDE_LENGTH = 12
MAX_HEADERS_LENGTH = 128 * 1024  # botocore refuses more (_MAX_HEADERS_LENGTH)
MAX_PAYLOAD_LENGTH = 24 * 1024 * 1024  # botocore refuses more (_MAX_PAYLOAD_LENGTH)
_STRING = 7


def encode_headers(headers: list[tuple[str, str]]) -> bytes:
    out = bytearray()
    for name, value in headers:
        raw_name, raw_value = name.encode(), value.encode()
        if len(raw_name) > 255 or len(raw_value) > 0xFFFF:
            raise ValueError(f"event-stream header {name!r} is too long to frame")
        out += pack(">B", len(raw_name)) + raw_name + pack(">BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def frame(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """One event-stream message: prelude, its CRC, headers, payload, message CRC."""
    encoded = encode_headers(headers)
    if len(encoded) > MAX_HEADERS_LENGTH or len(payload) > MAX_PAYLOAD_LENGTH:
        raise ValueError("event-stream message over botocore's header or payload limit")
    total = PRELUDE_LENGTH + len(encoded) + len(payload) + 4
    prelude = pack(">II", total, len(encoded))
    prelude += pack(">I", crc32(prelude) & 0xFFFFFFFF)
    body = prelude + encoded + payload
    return body + pack(">I", crc32(body) & 0xFFFFFFFF)


def event(event_type: str, payload: Any) -> bytes:
    """An ``event`` message whose payload is JSON."""
    return frame(
        [(":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")],
        jsoncodec.dumps(payload),
    )


def exception(exception_type: str, payload: Any) -> bytes:
    """An ``exception`` message (a modelled error sent mid-stream), its payload JSON."""
    return frame(
        [(":exception-type", exception_type), (":content-type", "application/json"), (":message-type", "exception")],
        jsoncodec.dumps(payload),
    )
