"""The interaction lifecycle, independent of HTTP.

create / get / cancel / delete against the store, with the behaviour rules
of the API (store, background, chaining, function results) enforced here so
app.py only translates between HTTP and these calls. Faults that change a
*decision* (accept what should be rejected, keep what should be deleted)
are switched here; faults that change *rendering* live in render.py and
perturb.py.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import orjson

from ..profiles import Profile
from . import model
from .config import MockConfig
from .errors import error_object, invalid, not_found, precondition
from .faults import ActiveFaults
from .parse import CreateRequest
from .store import InteractionStore, Record, open_store


@dataclass
class Ctx:
    """What one HTTP request brings: the revision it is served in and the faults in force."""

    profile: Profile
    faults: ActiveFaults

    def for_record(self, rec: Record) -> ActiveFaults:
        return self.faults | rec.faults


class Service:
    def __init__(self, config: MockConfig, store: InteractionStore | None = None) -> None:
        self.config = config
        self.store = store or open_store(config.store_path, config.limits)

    # --- create ------------------------------------------------------------------------------

    def create(self, req: CreateRequest, ctx: Ctx) -> Record:
        if req.continuation_token is not None:
            return self._continue(req, ctx)
        faults = ctx.faults
        history: list[dict] = []
        pending: dict[str, dict] = {}
        prev: Record | None = None
        if req.previous_interaction_id is not None:
            prev = self._previous(req.previous_interaction_id, faults)
            history = prev.conversation()
            pending = {b["id"]: b for b in prev.outputs if b["type"] == "function_call"}
        for turn in req.turns:
            for block in turn["content"]:
                if block.get("type") == "function_call":
                    pending.setdefault(block["id"], block)
        user_turns = [t for t in req.turns if t["role"] == "user"]
        results = [b for b in (user_turns[-1]["content"] if user_turns else []) if b.get("type") == "function_result"]
        for result in results:
            if result["call_id"] not in pending and not faults.on("request.function-result.call-id"):
                known = ", ".join(sorted(pending)) or "none"
                raise invalid(f"Invalid value at 'call_id': function_result call_id {result['call_id']!r} matches no "
                              f"function_call of this conversation (pending call ids: {known})")

        system_instruction, tools, generation_config = req.system_instruction, req.tools, req.generation_config
        if prev is not None and faults.on("previous.settings.not-inherited"):
            system_instruction = system_instruction if system_instruction is not None else prev.request.system_instruction
            tools = tools if tools is not None else prev.tools
            generation_config = generation_config if generation_config is not None else prev.request.generation_config

        interaction_id, seq = self.store.new_id()
        result = model.run(model.ModelInput(
            request=req, history=history, pending_calls=pending, id_prefix=f"{seq:04d}", revision=ctx.profile.name,
            faults=faults, system_instruction=system_instruction, tools=tools, generation_config=generation_config,
        ))
        return self._record(interaction_id, seq, req, ctx, result, history, tools)

    def _record(self, interaction_id: str, seq: int, req: CreateRequest, ctx: Ctx, result: model.ModelResult,
                history: list[dict], tools: list[dict] | None) -> Record:
        """Store what the model produced as a new interaction (settling later when it runs in the background)."""
        faults = ctx.faults
        if result.error is not None:  # the stream's error event speaks the configured envelope style
            e = result.error
            result.error = error_object(e["code"], e["status"], e["message"], self.config.error_code)
        now = self.store.clock()
        stored, get_hidden = req.store, False
        if not req.store_given and faults.on("store.default.retrievable"):
            get_hidden = True  # kept for chaining and cancel, so only the GET rule breaks
        if not req.store and faults.on("store.false.not-retrievable"):
            stored = True
        rec = Record(
            id=interaction_id, seq=seq, request=req, history=history, created=now, updated=now,
            status=result.status, final_status=result.status, outputs=result.outputs, usage=result.usage,
            error=result.error, background=req.background, stored=stored, get_hidden=get_hidden, faults=faults.ids,
            tools=tools,
        )
        if result.continuation is not None:
            rec.continuation = {**result.continuation, "token": continuation_token(interaction_id)}
        if req.background:
            rec.status = "in_progress"
            delay = self.background_delay(req)
            rec.finish_at = math.inf if faults.on("background.poll.reaches-terminal") else now + delay
        _check_renderable(rec)
        self.store.add(rec)
        return self.store.refresh(rec)

    # --- continuation hops --------------------------------------------------------------------

    def _continue(self, req: CreateRequest, ctx: Ctx) -> Record:
        """A hop: a new interaction that says the next part of the answer the token's interaction paused."""
        token = req.continuation_token or ""
        owner_id = token_owner(token)
        owner = self.store.snapshot(owner_id, include_unstored=True) if owner_id else None
        state = owner.continuation if owner is not None else None
        if owner is None or state is None or state.get("token") != token:
            raise invalid(f"Invalid value at 'continuation_token': {token[:40]!r} was not issued by this server "
                          "for a paused (requires_continuation) interaction")
        pid = req.previous_interaction_id
        if pid is not None:
            if pid != owner.id:
                raise invalid(f"Invalid value at 'continuation_token': it was issued by interaction {owner.id!r}, "
                              f"not by 'previous_interaction_id' {pid!r}")
            self._previous(pid, ctx.faults)
        elif owner.request.store:
            raise invalid("A continuation hop of a stored interaction needs 'previous_interaction_id' (the "
                          "interaction that issued 'continuation_token')")
        if ctx.faults.on("continuation.chain.terminal"):
            raise invalid("Invalid value at 'input': a create request needs input (fault continuation.chain.terminal: "
                          "the continuation hop is refused)")
        # the hop continues the paused turn: its own input (resent only with store=false) is not a new turn
        req.turns = []
        req.directives = dict(owner.request.directives)
        history = owner.conversation()
        interaction_id, seq = self.store.new_id()
        result = model.continue_answer(state["rest"], state["pause"], history, ctx.profile.name)
        if ctx.faults.on("continuation.chain.text-adds-up") and result.outputs and result.outputs[0]["type"] == "text":
            said = owner.outputs[-1].get("text", "") if owner.outputs else ""
            result.outputs[0]["text"] = (said.split() or ["again"])[-1] + " " + result.outputs[0]["text"]
        return self._record(interaction_id, seq, req, ctx, result, history, req.tools)

    def background_delay(self, req: CreateRequest) -> float:
        value = req.directives.get("delay")
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                raise invalid(f"Invalid value at 'input': directive delay={value!r} is not a number of seconds") from None
        return self.config.background_delay_s

    def _previous(self, pid: str, faults: ActiveFaults) -> Record:
        prev = self.store.snapshot(pid)
        if prev is None:
            hidden = self.store.snapshot(pid, include_unstored=True)
            if hidden is None:
                raise not_found(f"Interaction {pid!r} given as 'previous_interaction_id' was not found")
            if not faults.on("request.store-false.no-previous"):
                raise invalid(f"Invalid value at 'previous_interaction_id': interaction {pid!r} was created with "
                              "store=false and cannot be continued")
            prev = hidden
        if not prev.request.store and not faults.on("request.store-false.no-previous"):
            raise invalid(f"Invalid value at 'previous_interaction_id': interaction {pid!r} was created with "
                          "store=false and cannot be continued")
        if prev.running:
            raise precondition(f"Invalid value at 'previous_interaction_id': interaction {pid!r} is still in_progress")
        return prev

    # --- read, cancel, delete ----------------------------------------------------------------

    def get(self, interaction_id: str, ctx: Ctx, *, reading: bool = False) -> Record:
        """The record, or 404; ``reading`` marks a GET (as opposed to cancel/delete lookups)."""
        rec = self.store.snapshot(interaction_id)
        if rec is not None and reading and rec.get_hidden:
            rec = None
        if rec is None:
            if ctx.faults.on("error.not-found.404") and not self.store.issued(interaction_id):
                raise invalid(f"Invalid value at 'id': {interaction_id!r} is not a valid interaction id")
            raise not_found(f"Interaction {interaction_id!r} was not found (field 'id')")
        return rec

    def cancel(self, interaction_id: str, ctx: Ctx) -> Record:
        rec = self.get(interaction_id, ctx)
        faults = ctx.for_record(rec)
        if rec.background and rec.running:
            if faults.on("cancel.running.cancelled"):
                return rec
            usage = model.usage_for(rec.history + rec.request.turns, rec.request.system_instruction, [],
                                    ctx.profile.name)
            cancelled = self.store.cancel(interaction_id)
            if cancelled is not None:
                cancelled.usage = usage
                self.store.set_usage(interaction_id, usage)
                return cancelled
            rec = self.get(interaction_id, ctx)
        if faults.on("cancel.finished.rejected"):
            return rec
        kind = "a background" if rec.background else "a foreground (non-background)"
        raise precondition(f"Interaction {interaction_id!r} cannot be cancelled (field 'id'): it is {kind} "
                           f"interaction with status {rec.status}; only running background interactions can be "
                           "cancelled")

    def delete(self, interaction_id: str, ctx: Ctx) -> None:
        rec = self.get(interaction_id, ctx)
        if ctx.for_record(rec).on("delete.no-trace"):
            return
        self.store.delete(interaction_id)


def _check_renderable(rec: Record) -> None:
    """Refuse (400, nothing stored) a record whose resource could not be written back as JSON.

    The request limits (limits.py) make this unreachable in practice; it is the backstop that keeps an
    interaction that would answer 500 on every later GET out of the store.
    """
    try:
        orjson.dumps([rec.request, rec.outputs, rec.usage, rec.error, rec.tools])  # orjson writes dataclasses
    except (orjson.JSONEncodeError, TypeError, ValueError) as exc:
        raise invalid(f"Invalid value at 'input': the interaction could not be written back as JSON ({exc})") from None


_TOKEN_PREFIX = "iconf-ct-"


def continuation_token(interaction_id: str) -> str:
    """The opaque token a paused interaction carries; it names its issuer, so any store can look it up."""
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(f"{interaction_id}|hop".encode()).decode().rstrip("=")


def token_owner(token: str) -> str | None:
    """The interaction that issued ``token``, or None for a token this server cannot have issued."""
    if not token.startswith(_TOKEN_PREFIX):
        return None
    raw = token[len(_TOKEN_PREFIX):]
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    owner, _, tag = decoded.partition("|")
    return owner if tag == "hop" and owner else None
