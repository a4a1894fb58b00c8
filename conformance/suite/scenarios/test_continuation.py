"""Continuation: a long answer paused (``requires_continuation``) and continued hop by hop (API-FACTS §9).

A server may stop a long decode with status ``requires_continuation`` and a ``continuation_token``; the
client then creates a *new* interaction with ``previous_interaction_id`` = the paused one, that token, and
no ``input`` (what the SDKs do by default, resending the rest of the original body). The chain ends in a
terminal status and the hops' texts, joined, are the whole answer. The mock pauses on
``[iconf: continuation=N]``; a target that does not pause skips these scenarios with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from conformance.checks.behaviour import output_text
from conformance.checks.continuation import check_continuation_chain, hop_accepted
from conformance.suite.recipes import scripted

iconf = pytest.mark.iconf

CHAIN_RULES = ["continuation.paused.token", "continuation.chain.terminal", "continuation.chain.text-adds-up"]
ASK = "Tell me a long story about a lighthouse keeper."
DIRECTIVE = "long=6, continuation=16"
MAX_HOPS = 20


def _hop(request: Mapping, paused: Mapping) -> dict:
    """The next hop, as the SDKs build it: the original body less input, plus the paused id and its token."""
    hop = {k: v for k, v in request.items() if k != "input"}
    hop.update(previous_interaction_id=paused["id"], continuation_token=paused.get("continuation_token"))
    return hop


def _whole(client, judge) -> str:
    """The same answer asked for without pausing: what the hops must add up to."""
    body = judge.expect_ok(client.create(scripted(client.config, "long=6", ASK)), "the same answer, unpaused")
    return output_text(client.profile, body)


def _paused_or_skip(body: Mapping) -> None:
    if body.get("status") != "requires_continuation":
        pytest.skip(f"the target answered {body.get('status')!r}, not requires_continuation: nothing to continue "
                    "(the mock pauses on [iconf: continuation=N])")


@iconf(area="continuation", rules=CHAIN_RULES, needs=["scripted", "store"])
def test_continued_answer_adds_up(client, judge, revision):
    """Unary hops: each paused hop carries a token, every hop is accepted, the last is terminal, texts add up."""
    request = scripted(client.config, DIRECTIVE, ASK)
    first = judge.expect_ok(client.create(request), "create (paused)")
    judge.interaction(first, op="create", request=request)
    _paused_or_skip(first)
    hops = [first]
    while hops[-1].get("status") == "requires_continuation" and len(hops) < MAX_HOPS:
        hop = _hop(request, hops[-1])
        answer = client.create(hop)
        if judge.add(hop_accepted(answer.status, answer.body, where=f"hop {len(hops)}"),
                     "continuation.chain.terminal"):
            judge.error(answer, f"hop {len(hops)}")
            break
        hops.append(judge.interaction(answer.body, op="create", request=hop))
    judge.add(check_continuation_chain(client.profile, hops, whole_text=_whole(client, judge)), *CHAIN_RULES)


@iconf(area="continuation", rules=[*CHAIN_RULES, "stream.assembly.matches-resource"], needs=["scripted", "store"])
def test_streamed_continuation_adds_up(client, judge, revision):
    """Streamed hops: each stream ends with its hop's status (and token); the streamed texts add up."""
    request = scripted(client.config, DIRECTIVE, ASK, stream=True)
    hops: list[dict] = []
    body = dict(request)
    while len(hops) < MAX_HOPS:
        answer = client.create_stream(body)
        if hops and judge.add(hop_accepted(answer.status, answer.body, where=f"hop {len(hops)}"),
                              "continuation.chain.terminal"):
            judge.error(answer, f"streamed hop {len(hops)}")
            break
        result = judge.stream(answer, f"streamed hop {len(hops)}")
        completed = dict(result.completed_interaction or {})
        if not hops:
            _paused_or_skip(completed)
        # the completion event carries no steps: the hop is what the stream assembled
        hop = {**completed, client.profile.items_field: list(result.items)}
        if result.interaction_id:
            stored = judge.fetch(client.get(result.interaction_id), f"GET of streamed hop {len(hops)}")
            judge.matches(result.items, stored, f"streamed hop {len(hops)}")
        hops.append(hop)
        if completed.get("status") != "requires_continuation":
            break
        body = _hop(request, completed)
    judge.add(check_continuation_chain(client.profile, hops, whole_text=_whole(client, judge)), *CHAIN_RULES)
