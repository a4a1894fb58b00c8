"""Forward compatibility: what a newer conforming server may send is a SHOULD note, never a MUST failure.

The live API is the reference implementation: new event names, block types
and delta types appear before any schema lists them, so the checker must
tell "unknown" (schema.type.known, SHOULD) from "wrong" (MUST rules).
"""

from __future__ import annotations

import pytest

from conformance.checks import check_stream_bytes, compare_with_resource
from conformance.profiles import get_profile
from tests import streams as S


def _must(violations):
    return [str(v) for v in violations if v.level == "MUST"]


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_unknown_event_name_is_a_should(schemas_for, revision):
    p = get_profile(revision)
    events = S.events_for(p, S.sample_items(p))
    events.insert(2, {"event_type": "interaction.heartbeat_v2", "interaction_id": "v1_abc"})
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(events))
    assert not _must(result.violations)
    assert [v.rule_id for v in result.violations] == ["schema.type.known"]


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_other_revisions_event_name_is_a_must(schemas_for, revision):
    other = get_profile("2026-05-20" if revision == "legacy" else "legacy")
    p = get_profile(revision)
    events = S.events_for(p, S.sample_items(p))
    events.insert(2, {"event_type": other.grammar.block_stop, "index": 0})
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(events))
    assert "stream.event.known-type" in {v.rule_id for v in result.violations}


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_unknown_delta_in_a_known_block_is_not_an_assembly_failure(schemas_for, revision):
    p = get_profile(revision)
    items = S.sample_items(p)
    events = S.events_for(p, items)
    last_delta = max(i for i, e in enumerate(events) if e["event_type"] == p.grammar.block_delta)
    events.insert(last_delta + 1, {"event_type": p.grammar.block_delta, "index": 1,
                                   "delta": {"type": "sparkle_delta", "sparkle": 3}})
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(events))
    assert not _must(result.violations)
    assert {v.rule_id for v in result.violations} == {"schema.type.known"}
    stored = S.resource(p, [items[0], dict(items[1], sparkle=3)])
    assert compare_with_resource(p, result.items, stored) == []


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
def test_unknown_block_type_compares_by_type_only(schemas_for, revision):
    p = get_profile(revision)
    items = [*S.sample_items(p), {"type": "hologram", "frames": 3}]
    events = S.events_for(p, items)
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(events))
    assert not _must(result.violations)
    assert compare_with_resource(p, result.items, S.resource(p, items)) == []
    wrong = [*S.sample_items(p), {"type": "text", "text": "not a hologram"}]
    assert compare_with_resource(p, result.items, S.resource(p, wrong))


def _text_run(p, pieces: int, extra_at: int | None) -> tuple[list[dict], str]:
    """A stream whose text block arrives in ``pieces`` deltas (a run long enough for the batch path when
    large); the delta at ``extra_at`` carries a field no document declares."""
    text = "".join(f"w{i} " for i in range(pieces))
    events = S.events_for(p, [S.text_item(p, text)])
    first = next(i for i, e in enumerate(events) if e["event_type"] == p.grammar.block_delta)
    template = events[first]
    deltas = []
    for i in range(pieces):
        delta = {"type": "text", "text": f"w{i} "}
        if i == extra_at:
            delta["sparkle"] = 3
        deltas.append({**template, "event_id": f"evt_d{i}", "delta": delta})
    return events[:first] + deltas + events[first + 2:], text


@pytest.mark.parametrize("revision", ["legacy", "2026-05-20"])
@pytest.mark.parametrize("pieces", [3, 40])  # 3: the frame-by-frame fast path; 40: one batched run
def test_an_undeclared_field_in_a_text_delta_is_a_should(schemas_for, revision, pieces):
    """Plain text deltas take the fast paths; an undeclared field must still reach schema.field.known."""
    p = get_profile(revision)
    clean, text = _text_run(p, pieces, None)
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(clean))
    assert result.violations == []
    assert result.items[0].get("text", "") or result.items  # assembled
    events, _ = _text_run(p, pieces, pieces // 2)
    result = check_stream_bytes(schemas_for(revision), S.to_bytes(events))
    assert not _must(result.violations)
    found = [v for v in result.violations if v.rule_id == "schema.field.known"]
    assert len(found) == 1 and "sparkle" in str(found[0]), [str(v) for v in result.violations]


def test_undeclared_fields_ignored_on_request_keep_the_fast_path_open():
    from conformance.schema import SchemaSet
    from conformance.strictness import Strictness

    p = get_profile("2026-05-20")
    schemas = SchemaSet(p, strictness=Strictness(unknown_fields="ignore"))
    events, _ = _text_run(p, 40, 20)
    result = check_stream_bytes(schemas, S.to_bytes(events))
    assert result.violations == []


@pytest.mark.parametrize("pieces", [3, 40])
def test_an_undeclared_field_on_a_delta_event_itself_is_a_should(schemas_for, pieces):
    p = get_profile("2026-05-20")
    events, _ = _text_run(p, pieces, None)
    delta_at = [i for i, e in enumerate(events) if e["event_type"] == p.grammar.block_delta][pieces // 2]
    events[delta_at] = {**events[delta_at], "shard": 7}
    result = check_stream_bytes(schemas_for("2026-05-20"), S.to_bytes(events))
    assert not _must(result.violations)
    found = [v for v in result.violations if v.rule_id == "schema.field.known"]
    assert len(found) == 1 and "shard" in str(found[0]), [str(v) for v in result.violations]
