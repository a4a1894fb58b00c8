"""Fault injection: one switch per rule the mock server can be told to break.

The registry below is keyed by rule ID from :mod:`conformance.rules`; its
keys are exactly ``{r.id for r in RULES.faults()}`` (a test holds that
invariant). Each entry says what the server does wrong and where (which kind
of answer it touches), so ``iconf mock --list-faults`` and docs/mock.md can
be generated from it. The behaviour itself lives at the one spot of the
server that produces the affected answer and is switched on with
``ctx.fault(RULE_ID)``, which checks the ID against this registry so a typo
fails loudly instead of silently never firing.

A fault breaks only its own rule as far as the rules allow; where two rules
are facets of one fact (an unknown status is also a schema violation) the
description says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import UnknownFaultError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..rules import RULES


@dataclass(frozen=True)
class Fault:
    rule_id: str
    #: one line: what the server does wrong
    effect: str
    #: where it applies: create, get, stream, resource, error, auth, background, cancel, delete
    where: str


def _f(rule_id: str, where: str, effect: str) -> Fault:
    return Fault(rule_id, effect, where)


_REGISTRY: tuple[Fault, ...] = (
    _f("schema.interaction.valid", "resource",
       "full resources (POST, GET, cancel) carry role as an integer, which the Interaction schema forbids"),
    _f("schema.interaction.object-field", "resource",
       "resources and lifecycle events omit object: \"interaction\""),
    _f("schema.event.valid", "stream",
       "the interaction.status_update event carries metadata as a string (the schema wants an object)"),
    _f("schema.response.json", "get",
       "GET answers (success and error) are labelled Content-Type: text/html"),
    _f("schema.type.known", "resource,stream",
       "the output gains a block/step of the undefined type \"iconf_unknown\" (in the resource and the stream)"),
    _f("stream.framing.bare-json", "stream",
       "a bare JSON error line ({\"error\": ...}, no event:/data: field) is sent after the opening events"),
    _f("schema.delete.empty-object", "delete",
       "DELETE answers {\"id\": ..., \"deleted\": true} instead of {}"),
    _f("error.envelope.shape", "error",
       "error answers are a bare {\"code\", \"message\"} object without the {\"error\": ...} envelope"),
    _f("error.bad-input.no-5xx", "create",
       "a malformed JSON body is answered 500 INTERNAL instead of 400"),
    _f("error.bad-input.rejected", "create",
       "wrong-typed known fields (stream, store, system_instruction, tools, ...) are ignored and the call succeeds"),
    _f("error.code.matches-status", "error",
       "error envelopes say status INTERNAL (and, in the integer style, code 500) whatever the HTTP status"),
    _f("error.not-found.404", "get,delete,cancel",
       "an id the server never issued is answered 400 INVALID_ARGUMENT instead of 404"),
    _f("auth.key.required", "auth",
       "with --api-key set, requests with a missing or wrong key are let through"),
    _f("request.valid.accepted", "create",
       "a valid create request that carries generation_config is rejected with 400 naming generation_config"),
    _f("request.model-xor-agent", "create",
       "both model and agent (model wins) or neither (gemini-2.5-flash is used) are accepted"),
    _f("request.config.matches-kind", "create",
       "generation_config with an agent, or agent_config with a model, is accepted (and ignored)"),
    _f("request.generation-config.bounds", "create",
       "generation_config values out of range (temperature, top_p, max_output_tokens) are accepted"),
    _f("request.input.required", "create",
       "a create request without input is accepted (as empty text)"),
    _f("request.store-false.no-background", "create",
       "store=false with background=true is accepted and runs in the background"),
    _f("request.store-false.no-previous", "create",
       "an interaction created with store=false is accepted as previous_interaction_id"),
    _f("request.agent.background", "create",
       "a foreground (background=false) agent call is accepted and run synchronously"),
    _f("request.last-event-id.needs-stream", "get",
       "last_event_id without stream=true is ignored instead of rejected"),
    _f("request.function-result.call-id", "create",
       "a function_result whose call_id matches no pending call is accepted"),
    _f("stream.content-type", "stream",
       "streams are served with Content-Type: text/plain"),
    _f("stream.framing.json-data", "stream",
       "a frame whose data line is not JSON (\"data: keep-alive\") follows the start event"),
    _f("stream.framing.utf8", "stream",
       "a heartbeat comment holding Latin-1 bytes (not UTF-8) follows the start event"),
    _f("stream.event.name-matches", "stream",
       "the first delta frame's event: line names the block-start event while its JSON says the delta event"),
    _f("stream.event.known-type", "stream",
       "an extra start event named from the other revision's grammar follows the real one"),
    _f("stream.order.created-first", "stream",
       "the first status_update is sent before the start event"),
    _f("stream.terminal.exactly-one", "stream",
       "the terminal event (interaction.complete(d) / error) is dropped"),
    _f("stream.terminal.last", "stream",
       "an interaction.status_update is sent after the terminal event"),
    _f("stream.block.start-first", "stream",
       "a copy of the first delta of block 0 is sent before its start"),
    _f("stream.block.index-consecutive", "stream",
       "block indexes start at 1 instead of 0"),
    _f("stream.block.closed", "stream",
       "the last block's stop event is dropped"),
    _f("stream.delta.type-matches", "stream",
       "the first text-bearing block gets an extra thought_signature delta"),
    _f("stream.block.assembled-valid", "stream",
       "a code_execution call/result pair is produced and the call's arguments delta is dropped from the stream"),
    _f("stream.event-id.unique", "stream",
       "the second event repeats the first event's event_id"),
    _f("stream.event-id.resumable", "stream",
       "resuming with last_event_id=X replays X itself as well (off by one)"),
    _f("stream.interaction-id.consistent", "stream",
       "interaction.status_update events carry a different interaction_id"),
    _f("stream.status.legal-transition", "stream",
       "the start event says queued and a status_update jumps to requires_action (queued may not move there)"),
    _f("stream.assembly.matches-resource", "stream",
       "the stream's last text delta carries extra text the resource does not have"),
    _f("continuation.paused.token", "resource,stream",
       "2026-05-20: a paused ([iconf: continuation=N]) interaction carries no continuation_token (resource, status "
       "update, completion event)"),
    _f("continuation.chain.terminal", "create",
       "2026-05-20: a well-formed continuation hop (previous_interaction_id + continuation_token, no input) is "
       "refused with 400"),
    _f("continuation.chain.text-adds-up", "create",
       "2026-05-20: each continuation hop starts by repeating the last word of the hop before"),
    _f("thought.signature.present", "resource,stream",
       "thought steps come without a signature (in the resource and the stream)"),
    _f("stream.completion.status-final", "stream",
       "the completion event says status in_progress (GET still answers the real status)"),
    _f("stream.completion.matches-resource", "stream",
       "the completion event's usage counts one more thought token (and total) than the resource's"),
    _f("lifecycle.status.known", "resource,stream",
       "the in_progress status is reported as \"IN_PROGRESS\" (the google.rpc enum name: a known status misspelt, also a schema enum violation)"),
    _f("lifecycle.transition.legal", "background",
       "a background interaction answers queued on create, then requires_action while it runs (queued may not move there)"),
    _f("lifecycle.terminal.immutable", "get",
       "a GET after a terminal observation reports completed as failed (also an illegal transition)"),
    _f("lifecycle.timestamps.ordered", "resource,stream",
       "updated is one second earlier than created"),
    _f("lifecycle.id.stable", "get",
       "GET answers with a different id than the one requested"),
    _f("store.default.retrievable", "create",
       "an interaction created without store answers 404 on GET (it still works for chaining and cancel)"),
    _f("store.false.not-retrievable", "create",
       "an interaction created with store=false is stored and retrievable"),
    _f("background.create.in-progress", "create",
       "a background create blocks until the run has finished and answers the terminal status"),
    _f("background.poll.reaches-terminal", "background",
       "a background run never finishes (stays in_progress)"),
    _f("cancel.running.cancelled", "cancel",
       "cancel on a running background interaction answers 200 but leaves it in_progress; the run completes"),
    _f("cancel.finished.rejected", "cancel",
       "cancel on a finished or foreground interaction answers 200 with the interaction unchanged"),
    _f("delete.no-trace", "delete",
       "DELETE answers {} but keeps the interaction (GET still returns it)"),
    _f("timeline.post.model-only", "create",
       "2026-05-20: the non-streaming POST answer starts with the user_input step"),
    _f("timeline.get.starts-with-input", "get",
       "2026-05-20: GET returns only the model steps, without the input steps"),
    _f("timeline.legacy.outputs-model-only", "resource",
       "legacy: outputs (and the stream) start with the input's content blocks even without include_input "
       "(not on structured-output calls)"),
    _f("timeline.call-id.unique", "resource,stream",
       "the output ends with a copy of its first call item, same id (answers that contain a call)"),
    _f("timeline.result.follows-call", "resource,stream",
       "built-in tool results carry a call_id no call has (\"<id>-orphan\")"),
    _f("previous.context.carried", "create",
       "the scripted model ignores the conversation of previous_interaction_id"),
    _f("previous.settings.not-inherited", "create",
       "tools, system_instruction and generation_config missing from a chained call are inherited from the previous one"),
    _f("function.call.requires-action", "create",
       "an interaction ending on a pending function_call reports completed"),
    _f("function.call.declared", "create",
       "function calls name the declared function with \"_undeclared\" appended"),
    _f("function.result.completes", "create",
       "a matching function_result is accepted but the model asks for the same function again (requires_action)"),
    _f("structured.output.valid", "create",
       "with a JSON response_format the model answers JSON of the wrong type for the schema"),
    _f("usage.totals.add-up", "resource,stream",
       "usage.total_tokens is one more than the sum of its parts"),
    _f("usage.breakdown.consistent", "resource,stream",
       "usage.total_cached_tokens is one more than total_input_tokens (cached tokens are a part of the input)"),
    _f("revision.header.honoured", "all",
       "an Api-Revision header selects the other revision's shape (no header: the server default)"),
    _f("revision.legacy.retired", "all",
       "legacy is retired (the fault implies --legacy retired), yet a legacy request (Api-Revision: 2026-05-07) is "
       "answered 200 in the 2026-05-20 shape, the header ignored, instead of the documented 400"),
)

FAULTS: dict[str, Fault] = {f.rule_id: f for f in _REGISTRY}


def validate_fault_ids(ids: Iterable[str]) -> list[str]:
    """Return ``ids`` stripped, or raise UnknownFaultError naming the bad ID and listing valid ones."""
    out = []
    for raw in ids:
        rule_id = raw.strip()
        if not rule_id:
            continue
        if rule_id not in FAULTS:
            known = "catalogued rule without a fault" if rule_id in RULES else "unknown rule"
            raise UnknownFaultError(
                f"unknown fault {rule_id!r} ({known}); valid faults: {', '.join(sorted(FAULTS))}"
            )
        out.append(rule_id)
    return out


def parse_fault_header(value: str | None) -> frozenset[str]:
    """Parse ``X-Iconf-Fault: ID[,ID]`` (raises UnknownFaultError)."""
    if not value:
        return frozenset()
    return frozenset(validate_fault_ids(value.split(",")))


class ActiveFaults:
    """The faults in force for one request; ``on(id)`` refuses IDs outside the registry."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self.ids = frozenset(ids)

    def on(self, rule_id: str) -> bool:
        if rule_id not in FAULTS:
            raise KeyError(f"no fault registered for {rule_id!r}")
        return rule_id in self.ids

    def __or__(self, other: Iterable[str]) -> ActiveFaults:
        return ActiveFaults(self.ids | frozenset(other))

    def __bool__(self) -> bool:
        return bool(self.ids)
