"""Command line: flags map onto :class:`~mockserver.config.Config`, and nothing more."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from importlib import resources
from pathlib import Path
from typing import Sequence

from mockserver import __version__
from mockserver.config import Config, ConfigError, unknown_variables
from mockserver.wire.body import DEFAULT_MAX_BODY_BYTES
from mockserver.wire.profiles import PROFILES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Offline, deterministic emulator of the OpenAI Chat Completions API.",
        epilog="Every serve option can also be set with a MOCKSERVER_<OPTION> environment variable.",
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the chat-completions API from scenario files")
    serve.add_argument("--scenarios", nargs="+", metavar="PATH", help="scenario files or folders (default: ./scenarios, else the bundled examples) [MOCKSERVER_SCENARIOS]")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1) [MOCKSERVER_HOST]")
    serve.add_argument("--allowed-hosts", nargs="+", metavar="NAME", help="host names requests may be addressed to besides localhost, 127.0.0.1, ::1 and --host (a guard against DNS rebinding); '*' allows any, '.example.com' a domain [MOCKSERVER_ALLOWED_HOSTS, comma-separated]")
    serve.add_argument("--port", type=int, help="port (default 8000; 0 picks a free one) [MOCKSERVER_PORT]")
    serve.add_argument("--seed", type=int, help="seed for ids and generated values (default 0) [MOCKSERVER_SEED]")
    serve.add_argument("--max-body-bytes", type=int, help="request body size limit [MOCKSERVER_MAX_BODY_BYTES]")
    serve.add_argument("--max-depth", type=int, help="JSON nesting limit [MOCKSERVER_MAX_DEPTH]")
    serve.add_argument("--max-scenario-bytes", type=int, help="size limit of a scenario posted to /_mock/scenarios (default 1 MiB) [MOCKSERVER_MAX_SCENARIO_BYTES]")
    serve.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"], help="[MOCKSERVER_LOG_LEVEL]")
    serve.add_argument("--chunk-chars", type=int, help="stream text in pieces of N characters (default 0: word-sized) [MOCKSERVER_CHUNK_CHARS]")
    serve.add_argument("--ttft", type=float, help="timing emulation: seconds before the first token (default 0) [MOCKSERVER_TTFT]")
    serve.add_argument("--tps", type=float, help="timing emulation: tokens per second (default 0: no limit) [MOCKSERVER_TPS]")
    serve.add_argument("--jitter", type=float, help="timing emulation: seeded jitter as a fraction, e.g. 0.2 [MOCKSERVER_JITTER]")
    serve.add_argument("--profile", choices=sorted(PROFILES), help="provider to emulate: response shape, error shape, history checks (default openai) [MOCKSERVER_PROFILE]")
    serve.add_argument("--api-key", metavar="KEY", help="require 'Authorization: Bearer KEY' (401 invalid_api_key otherwise; /healthz stays open) [MOCKSERVER_API_KEY]")
    serve.add_argument("--strict", action="store_true", default=None, help="answer warnings (X-Mock-Warnings: what the provider accepts but usually means a client bug) with a 400 instead [MOCKSERVER_STRICT]")
    serve.add_argument("--auto", action="store_true", default=None, help="answer a request that forces a tool call and matches no rule with a generated call [MOCKSERVER_AUTO]")
    serve.add_argument("--read-timeout", type=float, metavar="SECONDS", help="a request's headers and body must arrive within this time of its first byte (default 15) [MOCKSERVER_READ_TIMEOUT]")
    serve.add_argument("--scenario-timeout", type=float, metavar="SECONDS", help="time budget to match and render one request; past it the rule gets a 422 scenario error (default 2) [MOCKSERVER_SCENARIO_TIMEOUT]")
    serve.add_argument("--responses-store-size", type=int, metavar="N", help="stored Responses-API responses kept, and Anthropic message-thread answers (default 1000 each; oldest dropped) [MOCKSERVER_RESPONSES_STORE_SIZE]")
    serve.add_argument("--responses-store-bytes", type=int, metavar="N", help="… and at most N bytes of them (default 64 MiB) [MOCKSERVER_RESPONSES_STORE_BYTES]")
    serve.add_argument("--no-memo", dest="memo", action="store_false", default=None, help="do not remember answers to identical requests (they are deterministic; on by default) [MOCKSERVER_MEMO=false]")
    serve.add_argument("--access-log", action="store_true", default=None, help="log every request (off by default: it costs throughput) [MOCKSERVER_ACCESS_LOG]")
    serve.add_argument("--journal-file", metavar="PATH", help="append every journal entry to PATH as one JSON line, as it happens (rotated at MOCKSERVER_JOURNAL_FILE_MAX_BYTES, default 64 MiB, keeping MOCKSERVER_JOURNAL_FILE_BACKUPS=3 old files) [MOCKSERVER_JOURNAL_FILE]")
    serve.add_argument("--reload", action="store_true", default=None, help="watch the scenario files; swap in each change that loads, keep the last good set otherwise [MOCKSERVER_RELOAD; poll interval MOCKSERVER_RELOAD_INTERVAL, default 0.5 s]")
    serve.add_argument("--near-misses", type=int, metavar="N", help="closest rules listed when no rule matches a request (default 5) [MOCKSERVER_NEAR_MISSES]")
    serve.add_argument("--lenient", action="store_true", default=None, help="serve scenarios that 'validate' finds errors in, as long as they load (the errors are logged) [MOCKSERVER_LENIENT]")
    serve.add_argument("--no-fallback", dest="fallback", action="store_false", default=None, help="without --scenarios, an empty or missing ./scenarios is an error instead of serving the bundled examples [MOCKSERVER_FALLBACK=false]")
    serve.add_argument("--upstream", metavar="BASE_URL", help="send requests no rule matches to this provider (its base_url, e.g. https://api.openai.com/v1); key from the client or MOCKSERVER_UPSTREAM_API_KEY [MOCKSERVER_UPSTREAM]")
    serve.add_argument("--record", metavar="DIR", help="with --upstream: record the upstream's answers as scenario files in DIR (served too when no --scenarios is given) [MOCKSERVER_RECORD]")
    serve.add_argument("--record-errors", action="store_true", default=None, help="with --record: record upstream errors too, as faults [MOCKSERVER_RECORD_ERRORS]")
    serve.add_argument("--upstream-timeout", type=float, metavar="SECONDS", help="seconds without a byte from the upstream before a 504 (default 600) [MOCKSERVER_UPSTREAM_TIMEOUT]")
    serve.add_argument("--workers", type=int, metavar="N", help="serve with N processes on one port (uvicorn's process manager; default 1); they share state in SQLite unless --state says otherwise [MOCKSERVER_WORKERS]")
    serve.add_argument("--state", metavar="URL", help="where the journal, stored responses, fault counters and pushed scenarios live: memory (default), sqlite:///PATH, or redis://HOST:6379/0 shared by replicas (pip install 'mockserver[redis]') [MOCKSERVER_STATE]")
    record = sub.add_parser("record", help="recording proxy: forward to a real provider, write what it answers as scenarios")
    record.add_argument("--upstream", required=True, metavar="BASE_URL", help="the provider, as the openai SDK's base_url (https://api.openai.com/v1, http://localhost:8000/v1 for vLLM)")
    record.add_argument("--out", required=True, metavar="DIR", help="folder for the scenario files (one per conversation) and exchanges.jsonl")
    record.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    record.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    record.add_argument("--allowed-hosts", nargs="+", metavar="NAME", help="host names requests may be addressed to besides localhost, 127.0.0.1, ::1 and --host ('*': any) [MOCKSERVER_ALLOWED_HOSTS]")
    record.add_argument("--record-errors", action="store_true", help="record upstream errors (4xx/5xx, timeouts) as faults too")
    record.add_argument("--upstream-timeout", type=float, default=600.0, metavar="SECONDS", help="seconds without a byte from the upstream before a 504 (default 600)")
    record.add_argument("--max-connections", type=int, default=100, metavar="N", help="connections to the upstream at most (default 100)")
    record.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES * 8, help="request body size limit (default 32 MiB)")
    record.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"], default="info")
    importer = sub.add_parser("import", help="turn logged exchanges (JSON Lines, HAR, the journal) into scenario files")
    importer.add_argument("files", nargs="+", metavar="FILE", help='JSON Lines of {"request", "response"}, HAR files, or journal JSON (GET /_mock/journal)')
    importer.add_argument("--out", required=True, metavar="DIR", help="folder for the scenario files")
    importer.add_argument("--record-errors", action="store_true", help="turn logged errors (status >= 400) into faults too")
    validate = sub.add_parser("validate", help="check scenario files without serving them (exit status 1 on errors)")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    validate.add_argument("--format", choices=["text", "json"], default="text", help="text (file:line: severity: …) or json")
    mcp = sub.add_parser("mcp", help="serve the scenarios' MCP tools over stdio (for clients that spawn their MCP servers)")
    mcp.add_argument("--scenarios", nargs="+", metavar="PATH", help="scenario files or folders (default: ./scenarios, else the bundled examples) [MOCKSERVER_SCENARIOS]")
    mcp.add_argument("--server", metavar="NAME", help="serve only this declared server's tools (default: every tool)")
    mcp.add_argument("--journal-file", metavar="PATH", help="append every MCP exchange to PATH as one JSON line [MOCKSERVER_JOURNAL_FILE]")
    mcp.add_argument("--scenario-timeout", type=float, metavar="SECONDS", help="time budget to match and render one call (default 2) [MOCKSERVER_SCENARIO_TIMEOUT]")
    sub.add_parser("schema", help="print the scenario format's JSON Schema (for editors: # yaml-language-server: $schema=…)")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    return Config.from_env(
        scenarios=args.scenarios,
        host=args.host,
        allowed_hosts=_names(args.allowed_hosts) if args.allowed_hosts else None,
        port=args.port,
        seed=args.seed,
        max_body_bytes=args.max_body_bytes,
        max_depth=args.max_depth,
        max_scenario_bytes=args.max_scenario_bytes,
        log_level=args.log_level,
        access_log=args.access_log,
        memo=args.memo,
        scenario_timeout=args.scenario_timeout,
        read_timeout=args.read_timeout,
        chunk_chars=args.chunk_chars,
        ttft=args.ttft,
        tps=args.tps,
        jitter=args.jitter,
        reload=args.reload,
        journal_file=args.journal_file,
        profile=args.profile,
        api_key=args.api_key,
        auto=args.auto,
        near_misses=args.near_misses,
        lenient=args.lenient,
        fallback=args.fallback,
        strict=args.strict,
        upstream=args.upstream,
        record=args.record,
        record_errors=args.record_errors,
        upstream_timeout=args.upstream_timeout,
        responses_store_size=args.responses_store_size,
        responses_store_bytes=args.responses_store_bytes,
        workers=args.workers,
        state=args.state,
    )


def serve(config: Config) -> int:
    import uvicorn

    from mockserver.engine.loader import ScenarioLoadError
    from mockserver.lint.startup import checked_load
    from mockserver.server import memory
    from mockserver.server.app import build_app
    from mockserver.server.timeouts import protocol_class

    logging.basicConfig(level=config.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if config.record:
        Path(config.record).mkdir(parents=True, exist_ok=True)
        if not config.scenarios:  # grow the recorded set: serve what was recorded before
            config.scenarios = [config.record]
    log = logging.getLogger("mockserver")
    for warning in unknown_variables():
        log.warning("%s", warning)
    paths = config.scenario_paths()
    recording = bool(config.record) and config.scenarios == [config.record]  # may be empty: it fills as it records
    if config.falls_back:
        log.warning("no *.yaml/*.yml files in %s: serving the bundled examples "
                    "(--no-fallback or MOCKSERVER_FALLBACK=false makes this an error)", Path("scenarios").resolve())
    try:
        scenarios = checked_load(paths, config.lenient, empty_ok=config.reload or recording)
    except ScenarioLoadError as exc:
        count = len(exc.problems)
        lenient = "" if config.lenient else "; --lenient serves scenarios with validate errors when they load"
        print(f"mockserver: cannot load scenarios from {', '.join(paths)} ({count} error(s){lenient}):\n{exc}",
              file=sys.stderr)
        return 1
    log.info("loaded %d scenario(s) from %s", len(scenarios), ", ".join(paths))
    memory.tune_allocator()
    memory.tune_collector()
    if config.workers > 1:
        gc.enable()
        return serve_workers(config)
    app = build_app(config, scenarios)
    memory.freeze_startup(collect=False)  # what start-up built is not garbage: full collections under load skip it
    gc.enable()  # off since main(): see there
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal; these handlers
    # turn that into a clean exit status 0 (containers and CI see a normal stop).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level=config.log_level,
        access_log=config.access_log,
        timeout_graceful_shutdown=5,
        http=protocol_class(config.read_timeout),
        ws="none",  # no route speaks WebSocket: an upgrade request is answered as plain HTTP (and start-up skips importing websockets)
    )
    return 0


def serve_workers(config: Config) -> int:
    """``--workers N``: uvicorn's process manager starts N workers (see mockserver.server.workers);
    without ``--state`` they share a SQLite file in a temporary folder, removed at exit."""
    import inspect
    import os
    import shutil
    import tempfile

    import uvicorn

    from mockserver.server import workers
    from mockserver.server.state import open_backend

    if config.state == "memory":
        raise ConfigError("--workers > 1 needs state the workers share: leave --state unset (SQLite in a temporary "
                          "folder), or give sqlite:///PATH or redis://HOST:PORT/DB")
    folder = None
    if not config.state:
        folder = tempfile.mkdtemp(prefix="mockserver-state-")
        config.state = f"sqlite://{os.path.join(folder, 'state.db')}"
    open_backend(config.state).close()  # created (or reached) once, before the workers start
    logging.getLogger("mockserver").info("%d workers sharing state in %s", config.workers, config.state)
    os.environ[workers.CONFIG_VARIABLE] = workers.encode(config)
    options = {}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        options["timeout_worker_healthcheck"] = 60  # SIGHUP's rolling restart: a loaded machine starts a worker slowly
    try:
        # uvicorn's supervisor handles SIGTERM/SIGINT (stops the workers gracefully, then returns) and
        # SIGHUP (replaces the workers one by one, each reading the scenarios again)
        uvicorn.run(workers.APP, factory=True, workers=config.workers, host=config.host, port=config.port,
                    log_level=config.log_level, access_log=config.access_log, timeout_graceful_shutdown=5,
                    http=workers.PROTOCOL, ws="none", **options)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def record(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from mockserver.record.proxy import Forwarder, RecordingProxy
    from mockserver.server.guard import HostGuard
    from mockserver.server.timeouts import DEFAULT_READ_TIMEOUT, protocol_class
    from mockserver.record.recorder import Recorder, public_url
    from mockserver.record.upstream import Upstream, UpstreamConfig

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        upstream = Upstream(UpstreamConfig(args.upstream, os.environ.get("MOCKSERVER_UPSTREAM_API_KEY", ""),
                                           args.upstream_timeout, max_connections=args.max_connections))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    Path(args.out).mkdir(parents=True, exist_ok=True)
    forwarder = Forwarder(upstream, Recorder(args.out, args.upstream), args.record_errors)
    logging.getLogger("mockserver").info(
        "recording: http://%s:%d/v1 → %s, scenarios into %s", args.host, args.port, public_url(args.upstream), args.out
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    # the proxy spends the real provider's key: the same Host/Origin guard as the server's routes
    allowed = _names(args.allowed_hosts) if args.allowed_hosts else Config.from_env().allowed_hosts
    app = HostGuard(RecordingProxy(forwarder, args.max_body_bytes), bound=args.host, allowed=allowed)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                timeout_graceful_shutdown=5, http=protocol_class(DEFAULT_READ_TIMEOUT))
    return 0


def import_logs(args: argparse.Namespace) -> int:
    from mockserver.record.importers import ImportError_, import_files
    from mockserver.record.recorder import Recorder

    recorder = Recorder(args.out, "imported logs", keep_log=False)
    try:
        report = import_files(args.files, recorder, args.record_errors)
    except ImportError_ as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 1
    for reason in report.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(f"imported {report.recorded} of {report.read} exchange(s) into {len(recorder.files)} scenario file(s) in {args.out}")
    return 0 if report.recorded or not report.read else 1


def validate(paths: list[str], output_format: str) -> int:
    from mockserver.lint import validate_paths

    report = validate_paths(paths)
    print(report.json() if output_format == "json" else report.text())
    return 0 if report.ok else 1


def schema() -> int:
    """The schema file as shipped (so editors and diffs see the same text)."""
    text = resources.files("mockserver").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _names(args: list[str]) -> list[str]:
    """``--allowed-hosts a,b c`` → ["a", "b", "c"]."""
    return [name for arg in args for name in arg.replace(",", " ").split()]


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def mcp_stdio(args: argparse.Namespace) -> int:
    """``mockserver mcp``: the MCP server mock on stdin/stdout (stdout carries only MCP messages)."""
    from mockserver.engine.loader import ScenarioLoadError, load_paths
    from mockserver.mcp.stdio import run
    from mockserver.server.journal import Journal
    from mockserver.server.journalfile import JournalFile

    config = Config.from_env(scenarios=args.scenarios, journal_file=args.journal_file, scenario_timeout=args.scenario_timeout)
    try:
        scenarios = load_paths(config.scenario_paths())
    except ScenarioLoadError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 1
    journal = None
    if config.journal_file:
        sink = JournalFile(config.journal_file, config.journal_file_max_bytes, config.journal_file_backups)
        journal = Journal(0, 0, sink)
    return run(scenarios, journal, config.scenario_timeout, args.server)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            # Start-up (imports, scenarios, the app) creates some 80,000 objects that nearly all
            # live on: the collector walking them again and again as they grow cost ~20 ms of a
            # ~0.35 s start. serve() freezes them (memory.freeze_startup) and turns it back on.
            gc.disable()
            try:
                return serve(config_from_args(args))
            finally:
                gc.enable()
        if args.command == "record":
            return record(args)
        if args.command == "import":
            return import_logs(args)
        if args.command == "validate":
            return validate(args.paths, args.format)
        if args.command == "schema":
            return schema()
        if args.command == "mcp":
            return mcp_stdio(args)
    except ConfigError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse rejects unknown commands
