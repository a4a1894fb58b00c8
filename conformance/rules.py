"""The rule catalogue: every rule the suite can report, as data.

One concept, one place. Checkers, the mock server's fault switches, the
reports and ``iconf rules`` all key on the stable IDs defined here, so a rule
is renamed in exactly one spot. This module holds data only: it imports no
checker and no server, which lets both sides depend on it without depending
on each other.

ID grammar: ``<area>.<subject>.<predicate>`` in lower-kebab-case. IDs are a
public contract (users select rules with ``--rules`` and match on them in CI),
so never reuse a retired ID for a different meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from .errors import UnknownRuleError  # noqa: F401 - defined in conformance.errors, re-exported here
from .profiles import REVISION_NAMES

Level = Literal["MUST", "SHOULD"]
Party = Literal["server", "client", "both"]

#: the revisions a rule applies to unless it says otherwise: every registered profile, oldest first
ALL_REVISIONS = REVISION_NAMES


@dataclass(frozen=True)
class Rule:
    """One checkable statement about the Interactions API.

    ``party`` says whose behaviour it judges: a server's answers, a client's
    requests, or both. ``fault`` is True when the reference mock server can be
    told to break the rule on purpose (``iconf mock --fault ID``).
    ``revisions`` lists the revision profiles the rule applies to.
    """

    id: str
    level: Level
    statement: str
    source: str
    party: Party = "server"
    fault: bool = True
    revisions: tuple[str, ...] = ALL_REVISIONS

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


def _r(
    id: str,
    level: Level,
    statement: str,
    source: str,
    *,
    party: Party = "server",
    fault: bool = True,
    revisions: tuple[str, ...] = ALL_REVISIONS,
) -> Rule:
    return Rule(id, level, statement, source, party, fault, revisions)


# Source tags: see SOURCE_TAGS below and docs/sources.md.
_CATALOGUE: tuple[Rule, ...] = (
    # --- schema: payloads against the profile's OpenAPI document -------------------------
    _r("schema.request.valid", "MUST",
       "A create request body validates against CreateModelInteractionParams or CreateAgentInteractionParams.",
       "[L][N] POST /interactions requestBody", party="client", fault=False),
    _r("schema.request.no-read-only", "MUST",
       "A create request carries no output-only field (id, status, created, updated, role, usage, outputs/steps).",
       "[L][N] readOnly properties; FACTS §2", party="client", fault=False),
    _r("schema.interaction.valid", "MUST",
       "A full Interaction resource (non-streaming POST, GET, cancel) validates against the Interaction schema.",
       "[L][N] components.schemas.Interaction; FACTS §3"),
    _r("schema.interaction.object-field", "SHOULD",
       "An Interaction resource carries object: \"interaction\" (sent by the real API, undeclared in the spec).",
       "FACTS §3 (examples); strictness option object_field"),
    _r("schema.event.valid", "MUST",
       "Every SSE event validates against its event schema; lifecycle events and block starts as partial objects.",
       "[L][N] InteractionSseEvent; FACTS §5, §8"),
    _r("schema.response.json", "MUST",
       "Every non-streaming answer body (success or error) is one JSON value in UTF-8, sent as "
       "Content-Type: application/json.",
       "[L][N] responses content application/json; RFC 8259 section 8.1"),
    _r("schema.type.known", "SHOULD",
       "Every content/step/delta/event type in a server's answer is one the profile defines (unknown types are forward-compatible additions).",
       "[L][N] discriminator unions; FACTS §9; strictness option unknown_types (should|must|ignore)"),
    _r("schema.value.known", "SHOULD",
       "Every enum value in a server's answer (a status, a mime type, a tier) is one the profile defines; a known value spelled differently is wrong, not new.",
       "FACTS §9 (enums widen inside one revision); strictness option unknown_values (should|must|ignore)",
       fault=False),
    _r("schema.field.known", "SHOULD",
       "Every field of an object the profile describes, in a server's answer, is one the profile declares.",
       "FACTS §8, §9 (fields added inside one revision); strictness option unknown_fields (should|must|ignore)",
       fault=False),
    _r("schema.delete.empty-object", "MUST",
       "A successful DELETE answers 200 with an empty JSON object {}.",
       "[L][N] DELETE /interactions/{id}; FACTS §1"),
    # --- error: the error envelope ------------------------------------------------------------
    _r("error.envelope.shape", "MUST",
       "Every 4xx/5xx answer is a JSON error envelope {\"error\": {\"code\", \"message\"}}.",
       "[L][N] default responses; FACTS §7; strictness option error_code"),
    _r("error.bad-input.no-5xx", "MUST",
       "Malformed or invalid input is answered with a 4xx, never a 5xx.",
       "FACTS §7; HTTP semantics"),
    _r("error.bad-input.rejected", "MUST",
       "Input that breaks the request schema (wrong types, malformed JSON) is rejected with exactly 400 (not 422 or another 4xx).",
       "[L][N] request schema; FACTS §2, §7, §9 (400 invalid_request / INVALID_ARGUMENT)"),
    _r("error.code.matches-status", "MUST",
       "An error envelope agrees with its HTTP status: an integer error.code equals it, a google.rpc error.status belongs to it.",
       "FACTS §7 (Google envelope: code 404 with status NOT_FOUND); google.rpc.Code HTTP mapping"),
    _r("error.not-found.404", "MUST",
       "GET, DELETE and cancel on an unknown interaction id answer 404.",
       "[L][N]; FACTS §1"),
    _r("auth.key.required", "MUST",
       "A request without a valid API key is rejected with 401 or 403 in the error envelope.",
       "FACTS §1 (x-goog-api-key / ?key=)"),
    # --- request: semantic rules on create requests (both a client's and a server's duty) -------
    _r("request.valid.accepted", "MUST",
       "A create request that conforms to the schema and the semantic rules is accepted (2xx).",
       "[L][N] POST /interactions 200 response"),
    _r("request.model-xor-agent", "MUST",
       "A create request names exactly one of model or agent; a server rejects both or neither with 400.",
       "[L][N] oneOf model/agent params; FACTS §6.1", party="both"),
    _r("request.input.required", "MUST",
       "A create request carries input (except a continuation hop: continuation_token + previous_interaction_id); a server rejects a request without it with 400.",
       "[L][N] required: input; FACTS §2, §9 (continuation)", party="both"),
    _r("request.store-false.no-background", "MUST",
       "store=false cannot be combined with background=true; a server rejects it with 400.",
       "[OV][SK]; FACTS §6.3", party="both"),
    _r("request.store-false.no-previous", "MUST",
       "An interaction created with store=false cannot be named as previous_interaction_id.",
       "[OV][SK]; FACTS §6.3", party="both"),
    _r("request.agent.background", "MUST",
       "A Deep Research agent interaction is created with background=true; a server rejects a foreground one (other agents, e.g. antigravity, may run without).",
       "[DR][SK]; FACTS §6.4, §9 (antigravity docs run without background)", party="both"),
    _r("request.config.matches-kind", "MUST",
       "generation_config goes only with model calls and agent_config only with agent calls.",
       "[L][N] params variants; FACTS §6.1", party="both"),
    _r("request.last-event-id.needs-stream", "MUST",
       "last_event_id is sent only together with stream=true; a server rejects it otherwise.",
       "[L][N] GET parameters; FACTS §1, §6.8", party="both"),
    _r("request.function-result.call-id", "MUST",
       "A function_result's call_id matches the id of a function_call the client was given.",
       "[L][N] FunctionResult; FACTS §6.9", party="both"),
    _r("request.generation-config.bounds", "MUST",
       "generation_config values are in range (temperature 0-2, top_p 0-1, max_output_tokens > 0); a server rejects others with 400.",
       "Gemini generation config documentation", party="both"),
    _r("request.content-type.json", "MUST",
       "A request that carries a body declares Content-Type: application/json.",
       "FACTS §1", party="client", fault=False),
    _r("request.auth.key-present", "MUST",
       "Every request carries the API key (x-goog-api-key header or key= query parameter).",
       "FACTS §1", party="client", fault=False),
    _r("request.response-format.mime-type", "SHOULD",
       "A legacy request with response_format also sets response_mime_type: application/json.",
       "[L] response_mime_type; FACTS §6.10", party="client", fault=False, revisions=("legacy",)),
    # --- stream: SSE framing and the event grammar ---------------------------------------------
    _r("stream.content-type", "MUST",
       "A streaming answer has Content-Type: text/event-stream.",
       "[ST]; FACTS §5"),
    _r("stream.framing.json-data", "MUST",
       "Every SSE frame's data is one JSON object.",
       "[ST]; FACTS §5; strictness option done_frame"),
    _r("stream.framing.bare-json", "MUST",
       "Every line of a stream is SSE framing (event:, data:, id:, retry:, a comment or blank); a bare JSON line (how a mid-stream refusal has been seen) is not an event.",
       "[ST]; FACTS §9 (js-genai#1973)"),
    _r("stream.framing.utf8", "MUST",
       "Every byte of an event stream decodes as UTF-8 (text/event-stream is always UTF-8; no byte is silently replaced).",
       "[ST]; WHATWG HTML event streams (UTF-8 decode)"),
    _r("stream.framing.done-frame", "SHOULD",
       "No trailing 'data: [DONE]' frame follows the terminal event (seen in later doc copies; configurable).",
       "FACTS §5 discrepancies; strictness option done_frame", fault=False),
    _r("stream.event.name-matches", "MUST",
       "The SSE 'event:' field, when present, equals the JSON event_type.",
       "[ST]; FACTS §5"),
    _r("stream.event.known-type", "MUST",
       "No event_type of another revision's grammar appears (legacy names under 2026-05-20 or vice versa); names no revision defines are schema.type.known.",
       "[L][N] InteractionSseEvent; FACTS §5"),
    _r("stream.order.created-first", "MUST",
       "A fresh stream opens with the interaction start event (interaction.start / interaction.created).",
       "[ST]; FACTS §5 transcript skeletons"),
    _r("stream.terminal.exactly-one", "MUST",
       "A stream ends with exactly one terminal event (interaction.complete(d) or error).",
       "[ST]; FACTS §5"),
    _r("stream.terminal.last", "MUST",
       "Nothing follows the terminal event.",
       "[ST]; FACTS §5"),
    _r("stream.block.start-first", "MUST",
       "Deltas and stop for an index come only after that index's start and before its stop.",
       "[ST]; FACTS §5"),
    _r("stream.block.index-consecutive", "MUST",
       "Block indexes start once each, in order, with no gap (0, 1, 2, ...).",
       "[ST]; FACTS §5"),
    _r("stream.block.closed", "MUST",
       "Every started block is stopped before the completion event.",
       "[ST]; FACTS §5"),
    _r("stream.delta.type-matches", "MUST",
       "Every delta's type fits the block or step its index started.",
       "[L][N] delta unions; FACTS §5"),
    _r("stream.block.assembled-valid", "MUST",
       "Each block assembled from its start and deltas validates against the full block/step schema.",
       "FACTS §8 (validate the assembled block)"),
    _r("stream.event-id.unique", "MUST",
       "event_id values are unique within a stream.",
       "[L][N] event_id; FACTS §5"),
    _r("stream.event-id.resumable", "MUST",
       "GET ?stream=true&last_event_id=X replays exactly the events that followed X.",
       "[L][N] GET last_event_id; FACTS §6.8"),
    _r("stream.interaction-id.consistent", "MUST",
       "Every interaction id carried by a stream's events is the same.",
       "[ST]; FACTS §5"),
    _r("stream.status.legal-transition", "MUST",
       "Status updates within a stream follow the revision's status machine.",
       "[L][N] status enum; FACTS §3"),
    _r("stream.completion.status-final", "MUST",
       "The completion event (interaction.complete(d)) carries a status that ends the stream, never in_progress or queued.",
       "[ST]; FACTS §5, §9 (completed may carry requires_continuation); the profile's status machine"),
    _r("stream.completion.matches-resource", "MUST",
       "The completion event's status and usage equal those a GET of the finished interaction returns.",
       "FACTS §5, §6.8 (the completion event carries the resource without its items)"),
    _r("stream.assembly.matches-resource", "MUST",
       "The blocks assembled from a stream equal the content a later GET (or the non-streaming answer) returns.",
       "FACTS §5 (completion event omits outputs/steps), §6.8"),
    # --- lifecycle: the status machine over observations ---------------------------------------
    _r("lifecycle.status.known", "MUST",
       "status is one of the revision's statuses, or a new value spelled like one (schema.value.known); a known status in another spelling (IN_PROGRESS) or an empty one is wrong.",
       "[L][N] status enum; FACTS §3, §9"),
    _r("lifecycle.transition.legal", "MUST",
       "Successive observations of one interaction show only legal status transitions.",
       "[L][N]; FACTS §3, §6.5"),
    _r("lifecycle.terminal.immutable", "MUST",
       "Once completed, failed, cancelled or incomplete, an interaction's status never changes.",
       "FACTS §3"),
    _r("lifecycle.timestamps.ordered", "MUST",
       "updated >= created, created never changes and updated never goes back.",
       "[L][N] created/updated; FACTS §3"),
    _r("lifecycle.id.stable", "MUST",
       "An interaction keeps its id across observations.",
       "[L][N]; FACTS §3"),
    # --- behaviour: stateful server semantics --------------------------------------------------
    _r("store.default.retrievable", "MUST",
       "An interaction created without store is stored: GET returns it.",
       "[OV][SK]; FACTS §6.2"),
    _r("store.false.not-retrievable", "MUST",
       "An interaction created with store=false cannot be retrieved (GET answers 404).",
       "[OV]; FACTS §6.3"),
    _r("background.create.in-progress", "MUST",
       "A background create answers at once with the interaction id and status in_progress, not blocking on the run.",
       "[BG]; FACTS §6.5"),
    _r("background.poll.reaches-terminal", "SHOULD",
       "A background interaction reaches a terminal status within the run's time budget.",
       "[BG]; FACTS §6.5"),
    _r("cancel.running.cancelled", "MUST",
       "Cancelling a running background interaction answers it with status cancelled, and it stays cancelled.",
       "[L][N] /cancel; FACTS §6.5"),
    _r("cancel.finished.rejected", "MUST",
       "Cancelling an interaction that is not a running background interaction is rejected with a 4xx.",
       "[L][N] /cancel; FACTS §6.5"),
    _r("delete.no-trace", "MUST",
       "After DELETE, GET, DELETE and previous_interaction_id on that id answer 404 / 4xx.",
       "[L][N]; FACTS §1, §6.2"),
    _r("timeline.post.model-only", "MUST",
       "A non-streaming POST returns only the steps the model produced (no user_input step).",
       "[BC][OV]; FACTS §6.6", revisions=("2026-05-20",)),
    _r("timeline.get.starts-with-input", "MUST",
       "GET returns the full timeline, starting with the user_input step.",
       "[BC][OV]; FACTS §6.6", revisions=("2026-05-20",)),
    _r("timeline.legacy.outputs-model-only", "MUST",
       "Legacy outputs hold model output only; input is returned only with include_input=true.",
       "[L]; FACTS §6.6", revisions=("legacy",)),
    _r("timeline.call-id.unique", "MUST",
       "Within one interaction no two call items (function_call, *_call) share an id.",
       "[L][N] call id / result call_id; FACTS §6.9 (a result names its call by id)"),
    _r("timeline.result.follows-call", "MUST",
       "A built-in tool's *_result item carries the call_id of a *_call item of the same tool earlier in the interaction.",
       "[L][N] tool call/result pairs; FACTS §4"),
    _r("previous.context.carried", "SHOULD",
       "An interaction chained with previous_interaction_id sees the earlier conversation.",
       "[OV]; FACTS §6.7"),
    _r("previous.settings.not-inherited", "SHOULD",
       "tools, system_instruction and generation_config are not inherited through previous_interaction_id.",
       "[OV]; FACTS §6.7"),
    _r("function.call.requires-action", "MUST",
       "An interaction that ends on a pending function_call has status requires_action.",
       "[L][N][BC]; FACTS §6.9"),
    _r("function.call.declared", "MUST",
       "A function_call names a function the request declared, with arguments that its parameters schema accepts.",
       "[L][N] tools (FunctionTool name, parameters); FACTS §6.9"),
    _r("function.result.completes", "MUST",
       "A function_result whose call_id matches the pending call is accepted and the chain completes.",
       "[L][N][BC]; FACTS §6.9"),
    _r("structured.output.valid", "MUST",
       "With a JSON response_format, the model's text parses as JSON and validates against the given schema.",
       "[L][N] response_format; FACTS §6.10"),
    _r("usage.totals.add-up", "SHOULD",
       "usage.total_tokens equals input + output + thought + tool-use tokens.",
       "[L][N] Usage examples; FACTS §3"),
    _r("usage.breakdown.consistent", "SHOULD",
       "No usage *_tokens_by_modality list adds up to more than its total_*_tokens, and total_cached_tokens <= total_input_tokens.",
       "[L][N] Usage (cached tokens are part of the input; the breakdown splits a total); FACTS §3"),
    _r("revision.header.honoured", "MUST",
       "The answer's shape follows the Api-Revision header (steps for 2026-05-20, outputs for 2026-05-07).",
       "[BC]; FACTS §1, §6.12"),
    _r("revision.legacy.retired", "MUST",
       "A server that has retired the legacy revision (the live API since 2026-06-08) answers a legacy request with 400 invalid_request saying it is no longer supported.",
       "FACTS §9 (legacy removed from the live API)", revisions=("legacy",)),
    # --- continuation: long answers paused and continued in hops (newer SDK typings) ---------------
    _r("continuation.paused.token", "MUST",
       "An interaction with status requires_continuation carries a non-empty continuation_token (resource and completion event).",
       "[PY361][JS330] Interaction.continuation_token; FACTS §9", revisions=("2026-05-20",)),
    _r("continuation.hop.shape", "MUST",
       "A continuation hop sends continuation_token with previous_interaction_id = the paused interaction and no input (with store=false: the original input and no previous_interaction_id).",
       "[PY361] _interactions_continuation; FACTS §9", party="client", fault=False, revisions=("2026-05-20",)),
    _r("continuation.hop.token-matches", "MUST",
       "A hop's continuation_token is the one its previous interaction carried, and that interaction is paused (requires_continuation).",
       "[PY361] _interactions_continuation; FACTS §9", party="client", fault=False, revisions=("2026-05-20",)),
    _r("continuation.chain.terminal", "MUST",
       "A server accepts a well-formed hop, and a chain of hops ends in a terminal status.",
       "[PY361][JS330] automatic continuation; FACTS §9", revisions=("2026-05-20",)),
    _r("continuation.chain.text-adds-up", "MUST",
       "The text of all hops of a continued answer, joined in order, is the whole answer (nothing lost, nothing repeated).",
       "[PY361] merge of hop steps; FACTS §9", revisions=("2026-05-20",)),
    # --- thought: signatures that carry reasoning across turns ----------------------------------------
    _r("thought.signature.present", "MUST",
       "A thought step a server produces (assembled from a stream, or in a resource) carries a non-empty signature.",
       "[SK]; FACTS §4, §9 (js-genai#1735)", revisions=("2026-05-20",)),
    _r("thought.signature.sent-back", "MUST",
       "A client that sends a thought step back in input keeps its non-empty signature.",
       "[SK]; FACTS §9 (js-genai#1735: unsigned thought breaks tool-call continuation)", party="client",
       fault=False, revisions=("2026-05-20",)),
)


class Catalogue:
    """Read-only, ordered view of the rules, indexed by ID."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self._rules:
                raise ValueError(f"duplicate rule id {rule.id}")
            self._rules[rule.id] = rule

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __getitem__(self, rule_id: str) -> Rule:
        try:
            return self._rules[rule_id]
        except KeyError:
            near = [r for r in self._rules if r.startswith(rule_id.split(".", 1)[0] + ".")]
            hint = f" (rules in that area: {', '.join(near)})" if near else ""
            raise UnknownRuleError(f"unknown rule id {rule_id!r}{hint}") from None

    def for_revision(self, revision: str) -> list[Rule]:
        return [r for r in self if revision in r.revisions]

    def select(self, patterns: Iterable[str]) -> list[Rule]:
        """Rules matching any of ``patterns``: an exact ID, an area (``stream``) or a prefix glob (``stream.block.*``)."""
        chosen: list[Rule] = []
        for pattern in patterns:
            pattern = pattern.strip()
            if not pattern:
                continue
            prefix = pattern[:-1] if pattern.endswith("*") else None
            matched = [
                r for r in self
                if r.id == pattern or r.area == pattern or (prefix is not None and r.id.startswith(prefix))
            ]
            if not matched:
                self[pattern]  # raises UnknownRuleError with a hint
            chosen.extend(r for r in matched if r not in chosen)
        return chosen

    def faults(self) -> list[Rule]:
        return [r for r in self if r.fault]


RULES = Catalogue(_CATALOGUE)

#: what the tags in a rule's ``source`` mean (docs/sources.md and every HTML report show this legend)
SOURCE_TAGS: dict[str, str] = {
    "[L]": "the official OpenAPI document of the legacy revision (outputs shape); schemas/ mirrors its names",
    "[N]": "the official OpenAPI document of revision 2026-05-20 (steps shape); schemas/ mirrors its names",
    "[OV]": "Google's Interactions API overview page (ai.google.dev/gemini-api/docs/interactions)",
    "[BC]": "Google's page on the May 2026 breaking changes (ai.google.dev/gemini-api/docs/"
            "interactions-breaking-changes-may-2026)",
    "[ST]": "Google's Interactions streaming page (ai.google.dev/gemini-api/docs/interactions/streaming)",
    "[BG]": "Google's background execution page (ai.google.dev/gemini-api/docs/background-execution)",
    "[DR]": "Google's Deep Research agent page (ai.google.dev/gemini-api/docs/deep-research)",
    "[SK]": "Google's gemini-skills repository, skill gemini-interactions-api (github.com/google-gemini/gemini-skills)",
    "FACTS §n": "a section of the project's API facts sheet, the notes the rules were written from (not shipped); "
                "the sections are listed in docs/sources.md",
}
#: the facts sheet's sections, so a ``FACTS §n`` tag can be read without it
FACTS_SECTIONS: dict[str, str] = {
    "§1": "transport, endpoints and headers (paths, authentication, Api-Revision)",
    "§2": "the create request's fields",
    "§3": "the Interaction resource (fields, status, usage)",
    "§4": "content blocks and steps",
    "§5": "server-sent events (event types and their order)",
    "§6": "behaviour rules stated in the documentation:",
    "§6.1": "exactly one of model or agent",
    "§6.2": "store defaults to true",
    "§6.3": "store=false cannot be combined with background=true",
    "§6.4": "agents run in the background",
    "§6.5": "the background lifecycle (create, poll, terminal status, cancel)",
    "§6.6": "the timeline shape of revision 2026-05-20",
    "§6.7": "per-interaction settings are not inherited through previous_interaction_id",
    "§6.8": "resuming a stream with last_event_id",
    "§6.9": "function calling (requires_action, function_result)",
    "§6.10": "output format (response_format, structured output)",
    "§6.11": "streamed function arguments",
    "§6.12": "revision selection by the Api-Revision header",
    "§7": "errors (the error envelope, status codes)",
    "§8": "where the published schema and real traffic disagree (the strictness options)",
    "§9": "what changed after June 2026 (newer SDK releases and the live API)",
}


def sources_markdown() -> str:
    """The legend of the source tags as Markdown (docs/sources.md holds it; a test keeps it current)."""
    lines = ["| Tag | Meaning |", "|---|---|"]
    lines += [f"| `{tag}` | {text} |" for tag, text in SOURCE_TAGS.items()]
    lines += ["", "| Facts sheet section | Topic |", "|---|---|"]
    lines += [f"| `FACTS {sec}` | {text} |" for sec, text in FACTS_SECTIONS.items()]
    return "\n".join(lines)


@dataclass
class Violation:
    """One failed rule, with the evidence a person needs to see why.

    ``location`` is where in the observed data it happened: a JSON pointer
    into a payload (``/steps/0/text``), an event position (``event[7]``) or
    an HTTP exchange (``POST /v1beta/interactions``). ``expected`` and
    ``observed`` are short, human-readable; ``evidence`` may carry the
    offending event or body for the reports.
    """

    rule_id: str
    message: str
    location: str = ""
    expected: str | None = None
    observed: str | None = None
    evidence: dict = field(default_factory=dict)
    #: set only by the forward-compatibility policy (``--strict unknown_*=must`` raises a SHOULD rule)
    level_override: Level | None = None

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_id]

    @property
    def level(self) -> Level:
        return self.level_override or (RULES[self.rule_id].level if self.rule_id in RULES else "MUST")

    def __str__(self) -> str:
        return self.format(level=False, evidence=False)

    def format(self, *, level: bool = True, evidence: bool = True, width: int | None = None) -> str:
        """The one way a violation is written for people (CLI, terminal, proxy log, reports' text).

        ``RULE-ID [SHOULD]: message at where (expected: …; observed: …)`` on one
        line: ``level`` adds ``[SHOULD]`` to non-MUST rules, ``evidence`` adds
        expected/observed, ``width`` cuts the line to that many characters
        with ``…`` (the full text stays in the reports).
        """
        tag = " [SHOULD]" if level and self.level != "MUST" else ""
        where = describe_location(self.location)
        text = f"{self.rule_id}{tag}: {self.message}" + (f" at {where}" if where else "")
        if evidence and (self.expected is not None or self.observed is not None):
            text += f" (expected: {self.expected}; observed: {self.observed})"
        text = " ".join(text.split())  # evidence may hold newlines: keep it one line
        if width is not None and len(text) > width:
            text = text[:max(width - 1, 1)] + "…"
        return text

    @classmethod
    def from_dict(cls, data: dict) -> Violation:
        """The inverse of :meth:`to_dict` (reports keep violations as dicts); extra keys are ignored."""
        rule_id = str(data.get("rule_id"))
        level = data.get("level")
        override = level if level in ("MUST", "SHOULD") and rule_id in RULES and level != RULES[rule_id].level \
            else None
        return cls(rule_id, str(data.get("message", "")), location=data.get("location") or "",
                   expected=data.get("expected"), observed=data.get("observed"),
                   evidence=data.get("evidence") or {}, level_override=override)

    def to_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "level": self.level,
            "message": self.message,
            "location": self.location,
            "expected": self.expected,
            "observed": self.observed,
            "evidence": self.evidence,
        }


def violation(rule_id: str, message: str, **kw) -> Violation:
    """Build a Violation, checking that ``rule_id`` is in the catalogue (typos fail loudly in tests)."""
    RULES[rule_id]
    return Violation(rule_id, message, **kw)


_METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")


def describe_location(location: str) -> str:
    """A violation's location as a person reads it: ``POST /interactions, field /updated``.

    Checkers join an exchange label and a JSON pointer into one string
    (``POST /v1beta/interactions/updated``), which reads like a URL. The
    API's paths are known (``/interactions``, ``/interactions/{id}``,
    ``/interactions/{id}/cancel``), so the pointer part can be told apart and
    is named as a field; event and block positions (``event[3]/delta``) are
    split the same way. Anything else is returned unchanged.
    """
    if not location:
        return ""
    head, sep, rest = location.partition(" ")
    if head in _METHODS and sep:
        path, _, tail = rest.partition(" ")
        parts = path.split("/")
        try:
            i = parts.index("interactions")
        except ValueError:
            return location
        end = i + 1  # POST /interactions
        if head in ("GET", "DELETE") and len(parts) > i + 1:
            end = i + 2  # GET /interactions/{id}
        elif head == "POST" and len(parts) > i + 2 and parts[i + 2].split("?")[0] == "cancel":
            end = i + 3  # POST /interactions/{id}/cancel
        pointer = "/".join(parts[end:])
        out = f"{head} {'/'.join(parts[:end])}"
        if pointer:
            out += f", field /{pointer}"
        return out + (f", {describe_location(tail)}" if tail else "")
    label, _, last = location.rpartition(" ")
    if not last.startswith("/") and "/" in last and "://" not in last:  # "... completion event/updated", "event[3]/delta"
        word, _, pointer = last.partition("/")
        return f"{label} {word}".strip() + f", field /{pointer}"
    return location


def covers(*rule_ids: str):
    """Bind a check (a function or class) to the catalogue rules it exercises, as ``check.RULES``.

    The one place a check's coverage is written down: the suite's judge and
    the validating proxy both read ``RULES`` off the check they ran, so they
    report the same coverage for the same observation. An ID not in the
    catalogue fails at import time, not in a report.
    """
    for rule_id in rule_ids:
        RULES[rule_id]

    def bind(check):
        check.RULES = tuple(dict.fromkeys(rule_ids))
        return check

    return bind


def rules_of(*checks: object) -> tuple[str, ...]:
    """The rules bound (with :func:`covers`) to ``checks``, in order, each once."""
    out: dict[str, None] = {}
    for check in checks:
        out.update(dict.fromkeys(getattr(check, "RULES", ())))
    return tuple(out)

