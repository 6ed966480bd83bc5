"""The tool servers the loaded scenarios declare: each file's ``mcp:`` adds its tools to the
server it names (``default`` when it names none); a tool name already taken on a server keeps
its first declaration (load order). ``/mcp`` serves every server's tools, ``/mcp/{server}`` one."""

from __future__ import annotations

from typing import Any

from mockserver.mcp.spec import McpServerSpec, McpTool


class McpRegistry:
    def __init__(self, scenarios: Any) -> None:
        self.servers: dict[str, list[McpTool]] = {}
        self._specs: dict[str, list[McpServerSpec]] = {}
        self._all: list[McpTool] = []
        taken_all: set[str] = set()
        for scenario in getattr(scenarios, "scenarios", []):
            spec: McpServerSpec | None = getattr(scenario, "mcp", None)
            if spec is None:
                continue
            self._specs.setdefault(spec.server, []).append(spec)
            tools = self.servers.setdefault(spec.server, [])
            taken = {t.name for t in tools}
            for tool in spec.tools:
                if tool.name not in taken:
                    tools.append(tool)
                    taken.add(tool.name)
                if tool.name not in taken_all:
                    self._all.append(tool)
                    taken_all.add(tool.name)

    def tools(self, server: str | None) -> list[McpTool]:
        return self._all if server is None else self.servers.get(server, [])

    def tool(self, server: str | None, name: str) -> McpTool | None:
        for tool in self.tools(server):
            if tool.name == name:
                return tool
        return None

    def has(self, server: str) -> bool:
        return server in self.servers

    def _first(self, server: str | None, attr: str) -> Any:
        specs = [s for name, group in self._specs.items() if server in (None, name) for s in group]
        return next((getattr(s, attr) for s in specs if getattr(s, attr)), None)

    def instructions(self, server: str | None) -> str | None:
        return self._first(server, "instructions")

    def page_size(self, server: str | None) -> int | None:
        return self._first(server, "page_size")


class RegistryCache:
    """The registry of the scenario set being served, rebuilt when the set changes (reload, overlay)."""

    def __init__(self, scenarios: Any) -> None:
        self._scenarios = scenarios  # a callable returning the current ScenarioSet
        self._for: Any = None
        self._registry: McpRegistry | None = None

    def __call__(self) -> McpRegistry:
        current = self._scenarios()
        if current is not self._for or self._registry is None:
            self._registry, self._for = McpRegistry(current), current
        return self._registry
