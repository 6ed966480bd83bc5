"""Wire dialects, side by side: one folder per wire format the server speaks.

Each dialect parses a request into the engine's conversation, checks the dialect's own shape
and call/result protocol, and renders the engine's reply (and its stream, and errors) back.
Shared below them (``mockserver.wire``): ids, usage, error bodies, SSE framing, profiles.
"""
