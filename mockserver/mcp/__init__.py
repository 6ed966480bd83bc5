"""The MCP server mock: tools an agent reaches over the Model Context Protocol, declared in the
scenario files (``mcp:``, format version 2) and answered by the engine's matchers and sandboxed
templates. ``spec`` compiles the declarations, ``tools`` answers a call, ``protocol`` speaks
JSON-RPC, ``http`` and ``stdio`` are the transports."""
