"""mockserver — an offline, deterministic emulator of LLM provider APIs.

Data flows one way through rooms with one job each:

- ``wire``       shared below the dialects: JSON codec, body limits, errors, ids, usage, SSE
                 framing and timing, provider profiles, auth.
- ``dialects``   one folder per wire format (``chat``: Chat Completions, ``responses``: the
                 Responses API, …): parse a request into the engine's conversation, check the
                 dialect's shape and call/result protocol, render the reply, its stream, errors.
- ``validation`` shared checks: tool declarations (metaschema, strict mode), ``tool_choice``,
                 arguments against schemas, parameters against the official schema, OpenAI's
                 wording, and per-provider rule books (error, warning or accepted: ``rules``).
- ``engine``     scenarios: the versioned format, loader, matchers, sandboxed rendering.
- ``server``     the ASGI app, endpoints, admin routes, journal, faults, bounded stores.
- front-ends     ``cli``/``config``, the pytest plugin (``pytest_plugin``, ``fixture``,
                 ``assertions``, ``clients``: the SDK clients it hands out; ``testing``: the
                 server thread), ``lint`` (``mockserver validate``), the container.
"""

__version__ = "0.1.0"
