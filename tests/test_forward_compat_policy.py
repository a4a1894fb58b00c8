"""The forward-compatibility policy (docs/forward-compatibility.md), as data in Strictness.

In a server's answer, a type, enum value or field the profile does not know is *new*: SHOULD by default,
MUST under ``--strict unknown_*=must``, silent under ``=ignore``. A known thing that is wrong (a wrong type,
a known value misspelt, a missing required field) is MUST whatever the policy. Requests keep MUST for
unknown values: a server is entitled to reject what it does not know.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conformance.checks import check_interaction, check_request, check_stream_bytes
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from conformance.strictness import POLICY_RULES, Strictness
from tests import streams as S

P = get_profile("2026-05-20")


def schemas(**policy) -> SchemaSet:
    return SchemaSet(P, strictness=Strictness(**policy))


def levels(violations) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in violations:
        out.setdefault(v.rule_id, set()).add(v.level)
    return out


NEW = {
    "unknown_values": (lambda b: b.update(status="hibernating"), "schema.value.known"),
    "unknown_fields": (lambda b: b.update(sparkle_level=3), "schema.field.known"),
    "unknown_types": (lambda b: b["steps"].append({"type": "hologram_call", "id": "h"}), "schema.type.known"),
}


def _body(key):
    body = S.resource(P, [S.text_item(P, "Hi")])
    NEW[key][0](body)
    return body


@pytest.mark.parametrize("key", sorted(NEW))
def test_new_things_are_should_by_default(key):
    got = levels(check_interaction(schemas(), _body(key)))
    assert got == {NEW[key][1]: {"SHOULD"}}


@pytest.mark.parametrize("key", sorted(NEW))
def test_must_raises_them(key):
    got = levels(check_interaction(schemas(**{key: "must"}), _body(key)))
    assert got == {NEW[key][1]: {"MUST"}}


@pytest.mark.parametrize("key", sorted(NEW))
def test_ignore_silences_them(key):
    assert check_interaction(schemas(**{key: "ignore"}), _body(key)) == []


def test_policy_keys_name_their_rules():
    assert POLICY_RULES == {"unknown_types": "schema.type.known", "unknown_values": "schema.value.known",
                            "unknown_fields": "schema.field.known"}


@pytest.mark.parametrize("status,rules", [
    ("IN_PROGRESS", {"schema.interaction.valid", "lifecycle.status.known"}),   # a known value misspelt
    ("Completed", {"schema.interaction.valid", "lifecycle.status.known"}),
    ("", {"schema.interaction.valid", "lifecycle.status.known"}),
    (5, {"schema.interaction.valid"}),                                        # the wrong type
])
def test_wrong_known_values_stay_must_even_when_new_ones_are_ignored(status, rules):
    body = S.resource(P, [S.text_item(P, "Hi")], status=status)
    got = levels(check_interaction(schemas(unknown_values="ignore"), body))
    assert {r for r, lv in got.items() if "MUST" in lv} == rules


def test_wrong_shape_of_a_new_field_is_still_must():
    body = S.resource(P, [S.text_item(P, "Hi")], status="requires_continuation", continuation_token=["not", "a", "str"])
    assert "MUST" in levels(check_interaction(schemas(unknown_fields="ignore"), body))["schema.interaction.valid"]


def test_requests_keep_must_for_unknown_values():
    body = {"model": "gemini-3-flash-preview", "input": "Hi", "service_tier": "turbo"}
    got = levels(check_request(schemas(), body))
    assert got == {"schema.request.valid": {"MUST"}}


def test_stream_events_follow_the_policy():
    events = S.events_for(P, S.sample_items(P))
    events.insert(2, {"event_type": "interaction.heartbeat", "event_id": "hb"})
    events[1]["status"] = "warming_up"
    events[1]["sparkle"] = True
    data = S.to_bytes(events)
    default = levels(check_stream_bytes(schemas(), data).violations)
    assert default == {"schema.type.known": {"SHOULD"}, "schema.value.known": {"SHOULD"},
                       "schema.field.known": {"SHOULD"}}
    strict = levels(check_stream_bytes(schemas(unknown_types="must", unknown_values="must", unknown_fields="must"),
                                       data).violations)
    assert strict == {"schema.type.known": {"MUST"}, "schema.value.known": {"MUST"}, "schema.field.known": {"MUST"}}


def test_bad_policy_value_is_one_clear_line(tmp_path):
    doc = tmp_path / "i.json"
    doc.write_text('{"id": "a", "status": "completed"}')
    proc = subprocess.run([sys.executable, "-m", "conformance", "validate", "--strict", "unknown_values=maybe",
                           str(doc)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown_values" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="unknown_fields"):
        Strictness.from_options(["unknown_fields=sometimes"])
