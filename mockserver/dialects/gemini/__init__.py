"""Google's native ``generateContent`` API (the Gemini API and Vertex AI): ``:generateContent``,
``:streamGenerateContent`` (SSE with ``?alt=sse``, else one JSON array streamed) and ``:countTokens``."""
