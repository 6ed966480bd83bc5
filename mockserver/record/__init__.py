"""Recording real conversations into scenarios: ``mockserver record``, ``serve --upstream``,
``mockserver import``.

One concept per module:

- ``exchange``      the dialect-neutral record of one request and its answer (conversation,
                    tools, answer text / tool calls / finish reason, or the upstream's error).
- ``dialects``      one small adapter per wire dialect (``chat``, ``responses``, ``messages``):
                    read the conversation out of a request, the answer out of a body or a stream.
- ``sse``           incremental server-sent-events parsing (bytes in, events out).
- ``upstream``      the HTTP client for the real provider (httpx: async, streaming, timeouts,
                    connection limits; keys forwarded or injected, never stored).
- ``proxy``         the recording proxy: forwards a request unchanged, relays the answer
                    unchanged (streamed or not), hands what it saw to the recorder; also the
                    ``serve --upstream`` fallback for requests no rule matches.
- ``conversations`` grouping exchanges into conversations by their common prefix.
- ``writer``        a conversation as one readable YAML scenario file (one rule per step).
- ``importers``     logged exchanges into the same recorder: JSON Lines, HAR, the journal.
"""
