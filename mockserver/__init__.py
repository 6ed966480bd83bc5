"""mockserver — an offline, deterministic emulator of the OpenAI Chat Completions API.

Layers (data flows one way): ``wire`` (OpenAI shapes, errors, JSON) → ``validation``
(request, tools, tool-call protocol, arguments) → ``engine`` (scenarios, matchers,
replies) → ``app`` (starlette wiring) → front-ends (``cli``, pytest plugin, Docker).
"""

__version__ = "0.1.0"
