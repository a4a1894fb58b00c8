"""Continuation chains: a long answer paused (``requires_continuation``) and continued in hops.

The newer SDKs (google-genai 3.6.1, @google/genai 3.3.0; API-FACTS §9) continue
a paused interaction automatically: each hop is a *new* interaction created with
the paused one's id as ``previous_interaction_id``, its ``continuation_token``,
and no ``input``. The client side of a hop is judged in :mod:`.request`
(``continuation.hop.*``); a single paused resource in :mod:`.payload`
(``continuation.paused.token``). This module judges a whole chain as a scenario
sees it: the hops' final resources, in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..profiles import Profile
from ..rules import RULES, Violation, violation
from ._render import short
from .payload import paused_violations

__all__ = ["check_continuation_chain", "hop_accepted", "hop_text"]


def hop_text(profile: Profile, interaction: Mapping) -> str:
    """The model's text in one hop: model_output text blocks (steps) or text blocks (legacy), in order."""
    out: list[str] = []
    for item in interaction.get(profile.items_field) or []:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "text" and isinstance(item.get("text"), str):
            out.append(item["text"])
        elif item.get("type") == "model_output":
            for block in item.get("content") or []:
                if isinstance(block, Mapping) and block.get("type") == "text" and isinstance(block.get("text"), str):
                    out.append(block["text"])
    return "".join(out)


def hop_accepted(status_code: int, body: Any, *, where: str = "hop") -> list[Violation]:
    """``continuation.chain.terminal``: a well-formed hop is accepted (2xx), not rejected."""
    if 200 <= status_code < 300:
        return []
    return [violation("continuation.chain.terminal", f"the server rejected a well-formed continuation hop "
                      f"with HTTP {status_code}", location=where, expected="2xx and a new interaction",
                      observed=short(body))]


def check_continuation_chain(profile: Profile, hops: Sequence[Mapping], *, whole_text: str | None = None,
                             location: str = "chain") -> list[Violation]:
    """A chain of hops (the final resource of each, in order).

    Every hop but the last is paused with a token; the last ends in a terminal
    status; with ``whole_text`` (the same answer produced without pausing) the
    hops' texts joined in order equal it.
    """
    if profile.name not in RULES["continuation.chain.terminal"].revisions or not hops:
        return []
    out: list[Violation] = []
    for i, hop in enumerate(hops[:-1]):
        out += paused_violations(profile, hop, location=f"{location}/hop[{i}]")
        if hop.get("status") != "requires_continuation":
            out.append(violation("continuation.chain.terminal", f"hop {i} was continued but is not paused",
                                 location=f"{location}/hop[{i}]/status", expected="requires_continuation",
                                 observed=short(hop.get("status"))))
    last = hops[-1]
    status = last.get("status")
    out += paused_violations(profile, last, location=f"{location}/hop[{len(hops) - 1}]")
    if not (isinstance(status, str) and profile.status.is_terminal(status)):
        out.append(violation("continuation.chain.terminal", f"the chain of {len(hops)} hop(s) ends in {status!r}, "
                             "not a terminal status", location=f"{location}/hop[{len(hops) - 1}]/status",
                             expected=", ".join(sorted(profile.status.terminal)), observed=short(status)))
    if whole_text is not None:
        joined = "".join(hop_text(profile, hop) for hop in hops)
        if joined != whole_text:
            cut = next((k for k, (a, b) in enumerate(zip(joined, whole_text, strict=False)) if a != b),
                       min(len(joined), len(whole_text)))
            out.append(violation("continuation.chain.text-adds-up",
                                 f"the hops' text joined differs from the whole answer at character {cut} "
                                 f"({len(joined)} vs {len(whole_text)} characters)", location=location,
                                 expected=short(whole_text[cut:cut + 80]), observed=short(joined[cut:cut + 80])))
    return out
