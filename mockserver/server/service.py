"""The request → response core, independent of the web framework and of the wire dialect:
the dialect parses and validates, the engine matches and renders, the dialect builds the body
or stream; faults, timing and the memo are applied here. The endpoint only moves bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mockserver.config import DEFAULT_PROFILE, Config
from mockserver.dialects.base import Dialect, Parsed, RenderInput
from mockserver.dialects.chat.dialect import ChatDialect
from mockserver.engine.broken import break_reply
from mockserver.engine.context import Conversation
from mockserver.engine.model import ScenarioSet
from mockserver.engine.budget import Overtime
from mockserver.engine.respond import RenderedReply, auto_reply, respond
from mockserver.server.faults import HEADER as FAULT_HEADER
from mockserver.server.faults import NO_FAULT, SESSION_HEADER, Fault, FaultCounter, StreamBreak, fired, from_spec, http_error, parse_header
from mockserver.server.memo import MAX_BODY
from mockserver.server.routes import RouteMatch
from mockserver.wire import jsoncodec
from mockserver.wire.auth import auth_error
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.profiles import OPENAI, Profile, get_profile
from mockserver.wire.sse import Piece, StreamFault, Timing, apply_timing
from mockserver.wire.warnings import MockWarning
from mockserver.validation.rules import ANY as ANY_PROFILE


@dataclass
class Outcome:
    """What one request produced: a body (or stream) to send, and what the journal wants."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    request: dict[str, Any] | None = None
    reply: RenderedReply | None = None
    error: APIError | None = None
    stream: list[Piece] | None = None  # SSE pieces (with their delays) instead of a body
    delay: float = 0.0  # seconds to wait before a non-streamed answer (timing emulation)
    summary: Callable[[], dict[str, Any]] | None = None  # a streamed answer as one body (journal)
    stream_fault: dict[str, Any] | None = None  # how a streamed answer was broken on purpose
    faults: list[dict[str, Any]] | None = None  # the injected faults that fired (journal)
    cacheable: bool = True  # False when a fault counter or other state took part
    dialect: str = "chat"  # which wire dialect the request spoke
    media_type: str | None = None  # a stream's content-type (the dialect's framing)
    parsed: Parsed | None = None  # the request as the engine saw it (conversation, tools)
    warnings: tuple[MockWarning, ...] = ()  # what validation warned about (X-Mock-Warnings, journal)
    _encoded: bytes | None = field(default=None, repr=False)

    def encoded(self) -> bytes:
        """The JSON body as bytes, serialised once (a remembered answer is sent many times)."""
        if self._encoded is None:
            self._encoded = jsoncodec.dumps(self.body)
        return self._encoded


class MockService:
    def __init__(self, config: Config, scenarios: ScenarioSet, dialects: Mapping[str, Dialect] | None = None) -> None:
        self.config = config
        self.scenarios = scenarios  # replaced whole on reload: readers see one set or the other
        self.timing = Timing(config.ttft, config.tps, config.jitter)
        self.profile = get_profile(config.profile)
        self.faults = FaultCounter()  # `times` counts, per fault and X-Mock-Session
        self.dialects: dict[str, Dialect] = dict(dialects) if dialects is not None else {"chat": ChatDialect()}

    def swap_scenarios(self, scenarios: ScenarioSet) -> None:
        self.scenarios = scenarios

    def set_profile(self, name: str) -> None:
        """The server-wide profile (a scenario's profile and X-Mock-Profile still win)."""
        self.profile = get_profile(name)

    def reset_faults(self, session: str | None = None) -> int:
        """Forget how often faults fired (one session's, or all); returns the counters dropped."""
        return self.faults.reset(session)

    def reset_stores(self) -> int:
        """Forget what dialects stored (the Responses API's stored responses); returns how many."""
        return sum(d.store.clear() for d in self.dialects.values() if hasattr(d, "store"))

    def auth_error(self, headers: Mapping[str, str]) -> APIError | None:
        """With ``--api-key``: the 401 for a request without the bearer token (OpenAI's shape)."""
        return auth_error(self.config.api_key, headers)

    def dialect_auth_error(self, dialect: Dialect, headers: Mapping[str, str], route: RouteMatch | None = None) -> APIError | None:
        """The 401 in the dialect's terms (Anthropic's ``x-api-key``), else OpenAI's bearer token."""
        check = getattr(dialect, "auth_error", None)
        return check(self.config.api_key, headers, route) if check is not None else self.auth_error(headers)

    def chat(self, raw: bytes, headers: Mapping[str, str]) -> Outcome:
        """A Chat Completions request (the bytes of its body) and its answer."""
        return self.handle(self.dialects["chat"], raw, headers)

    def handle(self, dialect: Dialect, raw: bytes, headers: Mapping[str, str], route: RouteMatch | None = None) -> Outcome:
        """One request of ``dialect``, answered from memory when an identical one was answered;
        ``route``: what its path and query say (see mockserver.server.routes)."""
        scenarios = self.scenarios  # one set for the whole request, even if a reload swaps it
        if not self.config.memo or len(raw) > MAX_BODY:
            return self._handle_raw(dialect, raw, headers, scenarios, route)
        key = (dialect.name, raw, self.config.seed, self.profile.name, self.config.strict,
               route.key() if route is not None else None, *[headers.get(h) for h in scenarios.header_names])
        if getattr(dialect, "reads_headers", False):  # the answer depends on them (Anthropic's betas)
            key += (headers.get("anthropic-beta"),)
        outcome = scenarios.memo.get(key)
        if outcome is None:
            outcome = self._handle_raw(dialect, raw, headers, scenarios, route)
            if outcome.cacheable:
                scenarios.memo.put(key, outcome, len(raw))
        return outcome

    def _handle_raw(
        self, dialect: Dialect, raw: bytes, headers: Mapping[str, str], scenarios: ScenarioSet, route: RouteMatch | None = None
    ) -> Outcome:
        body: dict[str, Any] | None = None
        state = _State(self.profile, route=route)
        if route is not None and route.route.profile and self.profile.name == DEFAULT_PROFILE:
            state.profile = get_profile(route.route.profile)  # the path's provider, unless the server names another
        try:
            refused = self.dialect_auth_error(dialect, headers, route)
            if refused is not None:
                return Outcome(
                    refused.status, dialect.error_body(OPENAI, refused), error_headers(dialect, refused), error=refused, dialect=dialect.name
                )
            state.read_headers(headers)
            if not getattr(dialect, "any_content_type", False):  # Ollama reads any body as JSON (curl -d)
                check_content_type(headers.get("content-type"))
            body = parse_json_object(raw, self.config.max_depth)
            outcome = self._handle(dialect, body, headers, state, scenarios)
        except APIError as error:
            outcome = Outcome(
                error.status, dialect.error_body(state.profile, error), error_headers(dialect, error), body, error=error,
                delay=state.latency, dialect=dialect.name, warnings=error.warnings,
            )
        outcome.cacheable = not state.stateful
        outcome.faults = state.fired or None
        return outcome

    def _handle(
        self, dialect: Dialect, body: dict[str, Any], headers: Mapping[str, str], state: "_State", scenarios: ScenarioSet
    ) -> Outcome:
        header_fault = state.header_fault if self.faults.fires(state.header_fault, ("header", state.fault_text), state.session) else NO_FAULT
        state.fire(header_fault, "X-Mock-Fault header", body)
        if header_fault.http:
            state.latency = header_fault.latency
            raise http_error(header_fault.http, state.profile, _model_name(body), "the X-Mock-Fault header", _fault_texts(dialect))
        # a scenario may bring its own profile: then the request is judged by it once the rule is
        # known (first, only what every profile refuses; the history not at all)
        deferred = state.fixed is None and scenarios.has_profiles
        strict = self.config.strict
        route = state.route
        # a dialect that reads request headers (Anthropic's ``anthropic-beta``) says so
        extra = {"headers": headers} if getattr(dialect, "reads_headers", False) else {}
        parsed = dialect.parse(body, ANY_PROFILE if deferred else state.profile.name, strict=strict and not deferred,
                               history=not deferred, route=route, **extra)
        state.stateful = state.stateful or parsed.stateful
        ids = IdSource(dialect.request_key(body), self.config.seed)
        conv = Conversation(
            body, parsed.tools, parsed.tool_choice, headers, seed=ids.digest[:8].hex(),
            messages=parsed.messages, model=parsed.model, parallel_tool_calls=parsed.parallel_tool_calls,
        )
        try:
            reply = respond(scenarios, conv, self.config.scenario_timeout, self.config.near_misses)
        except Overtime:  # evaluated again off the event loop: this attempt did not count
            self.faults.unfire(state.header_fault, ("header", state.fault_text), state.session)
            raise
        except APIError as error:
            if deferred:
                dialect.parse(body, state.profile.name, strict=strict, route=route, **extra)  # a broken history is the first problem
            if error.code != "no_matching_rule":
                raise
            auto = auto_reply(conv) if self.config.auto else None
            if auto is None:
                raise
            reply = auto
        if deferred:
            if reply.rule.scenario.profile:
                state.profile = get_profile(reply.rule.scenario.profile)
            parsed.warnings = dialect.parse(body, state.profile.name, strict=strict, route=route, **extra).warnings
        rule = reply.rule
        state.stateful = state.stateful or reply.fault is not None  # fault counters take part
        rule_fault = from_spec(reply.fault)
        if not self.faults.fires(rule_fault, ("rule", rule.scenario.name, rule.name), state.session):
            rule_fault = NO_FAULT
        state.fire(rule_fault, rule.label, body)
        state.latency = header_fault.latency or rule_fault.latency
        if rule_fault.http:
            raise http_error(rule_fault.http, state.profile, parsed.model, rule.label, _fault_texts(dialect))
        if header_fault.tool_call:
            reply = break_reply(reply, header_fault.tool_call, header_fault.call, conv.tools, None)
        elif rule_fault.tool_call:
            reply = break_reply(reply, rule_fault.tool_call, rule_fault.call, conv.tools, rule.label)
        outcome = self._answer(dialect, parsed, conv, reply, ids, state, header_fault.stream or rule_fault.stream)
        # --- warnings: dialect-neutral; the dialect's parse found them, the outcome carries them to
        # the X-Mock-Warnings header and the journal (an error carries its own: see _handle_raw)
        outcome.warnings = parsed.warnings
        return outcome

    def _answer(
        self, dialect: Dialect, parsed: Parsed, conv: Conversation, reply: RenderedReply, ids: IdSource, state: "_State",
        stream_fault: StreamBreak | None,
    ) -> Outcome:
        profile = state.profile
        timing = Timing(**reply.timing) if reply.timing else self.timing
        jitter_seed = int.from_bytes(ids.digest[:8], "big")
        fast = not stream_fault and not timing.active and not state.latency
        rendered = dialect.render(RenderInput(parsed, conv, reply, ids, profile, self.config.chunk_chars, fast))
        common = dict(request=parsed.body, reply=reply, dialect=dialect.name, parsed=parsed, headers=rendered.headers)
        if rendered.stream is not None:
            pieces = rendered.stream
            if stream_fault:
                error = APIError(stream_fault.message or _STREAM_ERROR, type="server_error", status=500)
                pieces = StreamFault(stream_fault.kind, stream_fault.after).apply(pieces, Piece(_stream_error(dialect, profile, error, stream_fault.after, state.route)))
            pieces = apply_timing(pieces, timing, jitter_seed)
            if state.latency and pieces:
                pieces[0] = pieces[0]._replace(delay=pieces[0].delay + state.latency)
            # a broken stream is not what the full answer adds up to: the journal says what broke
            summary = None if stream_fault else rendered.summary
            fault = {"kind": stream_fault.kind, "after": stream_fault.after} if stream_fault else None
            return Outcome(200, None, stream=pieces, summary=summary, stream_fault=fault, media_type=rendered.media_type, **common)
        delay = timing.total(rendered.completion_tokens, jitter_seed) if timing.active else 0.0
        return Outcome(200, rendered.body, delay=delay + state.latency, **common)


@dataclass
class _State:
    """What one request's handling learns as it goes: the profile its answer (or error) takes."""

    profile: Profile
    route: RouteMatch | None = None  # what the request's path and query say
    fixed: Profile | None = None  # chosen by the X-Mock-Profile header
    header_fault: Fault = NO_FAULT
    fault_text: str = ""
    session: str = ""
    latency: float = 0.0
    stateful: bool = False  # a fault counter took part: the answer must not be remembered
    fired: list[dict[str, Any]] = field(default_factory=list)  # faults that fired (journal)

    def fire(self, fault: Fault, source: str, body: dict[str, Any]) -> None:
        streamed = bool(body.get("stream")) or (self.route is not None and self.route.route.stream)
        if fault is not NO_FAULT and (described := fired(fault, source, streamed)):
            self.fired.append(described)

    def read_headers(self, headers: Mapping[str, str]) -> None:
        self.session = headers.get(SESSION_HEADER) or ""
        name = headers.get("x-mock-profile")
        if name:
            self.fixed = self.profile = get_profile(name, "header X-Mock-Profile")
        self.fault_text = (headers.get(FAULT_HEADER) or "").strip()
        self.stateful = bool(self.fault_text)
        self.header_fault = parse_header(self.fault_text)


_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"


def error_headers(dialect: Dialect, error: APIError) -> dict[str, str]:
    """An error's headers, with what the dialect adds (Anthropic's ``request-id``)."""
    extra = getattr(dialect, "error_headers", None)
    return extra(error) if extra is not None else error.headers


def _stream_error(dialect: Dialect, profile: Profile, error: APIError, after: int, route: RouteMatch | None) -> bytes:
    """The dialect's mid-stream error event; a dialect whose framing depends on the request
    (Gemini: SSE or a JSON array, by ``alt=sse``) is given the route too."""
    if getattr(dialect, "stream_error_takes_route", False):
        return dialect.stream_error(profile, error, after, route=route)  # type: ignore[call-arg]
    return dialect.stream_error(profile, error, after)


def _fault_texts(dialect: Dialect) -> Mapping[int, str] | None:
    """The dialect's own texts for injected HTTP errors (Anthropic's), if it has them."""
    return getattr(dialect, "fault_messages", None)


def _model_name(body: dict[str, Any]) -> str:
    model = body.get("model")
    return model if isinstance(model, str) and model else "the model"
