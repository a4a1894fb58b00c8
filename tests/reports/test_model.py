"""The matrix logic, counts and exit code of RunRecord."""

from __future__ import annotations

import pytest

from conformance.reports import RunRecord, ScenarioResult
from conformance.rules import RULES, violation

from .records import mixed_record, record, scenario

MUST = "stream.terminal.exactly-one"
SHOULD = "usage.totals.add-up"


def cell(rec: RunRecord, rule_id: str, revision: str = "2026-05-20"):
    return rec.rule_matrix()[rule_id][revision]


def test_violation_of_must_rule_fails_even_if_scenario_lists_other_rules():
    v = violation(MUST, "two terminal events").to_dict()
    rec = record([scenario("a", "failed", ["stream.order.created-first"], violations=[v])])
    c = cell(rec, MUST)
    assert c.status == "failed"
    assert c.violations[0]["scenario"] == "a" and c.violations[0]["message"] == "two terminal events"
    assert c.scenarios == ["a"]


def test_violation_beats_a_passing_scenario():
    v = violation(MUST, "boom").to_dict()
    rec = record([scenario("ok", "passed", [MUST]), scenario("bad", "failed", [MUST], violations=[v])])
    assert cell(rec, MUST).status == "failed"
    assert cell(rec, MUST).scenarios == ["ok", "bad"]


def test_violation_of_should_rule_warns():
    v = violation(SHOULD, "off by one").to_dict()
    rec = record([scenario("a", "passed", [SHOULD], violations=[v])])
    assert cell(rec, SHOULD).status == "warned"
    assert rec.must_failed() == []
    assert rec.exit_code() == 0


def test_passed_needs_one_passing_covering_scenario():
    rec = record([scenario("a", "failed", [MUST]), scenario("b", "passed", [MUST])])
    assert cell(rec, MUST).status == "passed"


def test_skipped_when_all_covering_scenarios_skipped_keeps_reasons():
    rec = record([
        scenario("a", "skipped", [MUST], skip_reason="no streaming"),
        scenario("b", "skipped", [MUST], skip_reason="no streaming"),
        scenario("c", "skipped", [MUST], skip_reason="budget spent"),
    ])
    c = cell(rec, MUST)
    assert c.status == "skipped"
    assert c.skip_reasons == ["no streaming", "budget spent"]


def test_inconclusive_when_covering_scenarios_ran_but_none_passed():
    rec = record([scenario("a", "failed", [MUST]), scenario("b", "error", [MUST]), scenario("c", "skipped", [MUST])])
    assert cell(rec, MUST).status == "inconclusive"


def test_not_run_without_covering_scenario():
    rec = record([scenario("a", "passed", ["schema.interaction.valid"])])
    assert cell(rec, MUST).status == "not-run"
    assert cell(rec, MUST).scenarios == []


def test_only_scenarios_of_the_cells_revision_count():
    v = violation(MUST, "boom").to_dict()
    rec = record([scenario("new", "passed", [MUST]),
                  scenario("old", "failed", [MUST], revision="legacy", violations=[v])])
    assert cell(rec, MUST, "2026-05-20").status == "passed"
    assert cell(rec, MUST, "legacy").status == "failed"


def test_cells_only_for_run_revisions_the_rule_applies_to():
    rec = record([], revisions=["legacy"])
    matrix = rec.rule_matrix()
    assert list(matrix) == [r.id for r in RULES]
    assert matrix["timeline.post.model-only"] == {}  # a 2026-05-20-only rule
    assert list(matrix[MUST]) == ["legacy"]
    both = record([]).rule_matrix()
    assert list(both["timeline.post.model-only"]) == ["2026-05-20"]
    assert list(both[MUST]) == ["2026-05-20", "legacy"]


def test_scenarios_of_other_revisions_are_ignored():
    v = violation(MUST, "boom").to_dict()
    rec = record([scenario("x", "failed", [MUST], revision="legacy", violations=[v])], revisions=["2026-05-20"])
    assert cell(rec, MUST).status == "not-run"
    assert rec.exit_code() == 0


def test_mixed_record_every_status():
    rec = mixed_record()
    expected = {
        ("schema.interaction.valid", "2026-05-20"): "passed",
        ("schema.interaction.valid", "legacy"): "passed",
        (MUST, "2026-05-20"): "failed",
        ("stream.order.created-first", "2026-05-20"): "inconclusive",
        (SHOULD, "2026-05-20"): "warned",
        ("background.create.in-progress", "legacy"): "skipped",
        ("cancel.running.cancelled", "legacy"): "inconclusive",
        ("lifecycle.status.known", "2026-05-20"): "passed",
    }
    for (rule_id, rev), status in expected.items():
        assert cell(rec, rule_id, rev).status == status, (rule_id, rev)
    others = [c for c in rec.cells() if (c.rule_id, c.revision) not in expected]
    assert others and all(c.status == "not-run" for c in others)


def test_counts_and_exit_code():
    rec = mixed_record()
    counts = rec.counts()
    assert counts["scenarios"] == {"passed": 3, "failed": 1, "skipped": 1, "error": 1, "total": 6}
    rules = counts["rules"]
    n_cells = sum(len([rev for rev in ("2026-05-20", "legacy") if rev in r.revisions]) for r in RULES)
    assert rules["total"] == n_cells == len(rec.cells())
    assert (rules["passed"], rules["failed"], rules["warned"], rules["skipped"], rules["inconclusive"]) == (3, 1, 1, 1, 2)
    assert rules["not-run"] == n_cells - 8
    assert rec.must_failed() == [MUST]
    assert rec.exit_code() == 1


def test_area_counts_add_up_to_rule_counts():
    rec = mixed_record()
    areas = rec.area_counts()
    assert list(areas)[0] == "schema"
    assert areas["stream"]["failed"] == 1 and areas["usage"]["warned"] == 1 and areas["background"]["skipped"] == 1
    for status in ("passed", "failed", "warned", "skipped", "inconclusive", "not-run"):
        assert sum(a[status] for a in areas.values()) == rec.counts()["rules"][status]


@pytest.mark.parametrize("outcomes, violations, code", [
    (["passed"], [], 0),
    (["passed", "skipped", "failed"], [], 0),   # a failed scenario without a MUST violation does not fail the run
    (["error"], [], 1),                          # the suite itself broke: never green
    (["failed"], [MUST], 1),
    (["passed"], [SHOULD], 0),                   # SHOULD only warns
])
def test_exit_code(outcomes, violations, code):
    vs = [violation(r, "x").to_dict() for r in violations]
    rec = record([scenario(f"s{i}", o, [MUST, SHOULD], violations=vs if i == 0 else [])
                  for i, o in enumerate(outcomes)])
    assert rec.exit_code() == code


def test_empty_run_is_all_not_run():
    rec = record([])
    assert rec.counts()["rules"]["not-run"] == rec.counts()["rules"]["total"]
    assert rec.exit_code() == 0


def test_round_trip():
    rec = mixed_record()
    again = RunRecord.from_dict(rec.to_dict())
    assert again == rec
    assert again.to_dict() == rec.to_dict()
    assert isinstance(again.scenarios[0], ScenarioResult)


def test_from_dict_ignores_unknown_keys():
    data = mixed_record().to_dict()
    data["counts"] = {"stale": True}
    data["scenarios"][0]["future_field"] = 1
    assert RunRecord.from_dict(data) == mixed_record()


def test_bad_outcome_rejected():
    with pytest.raises(ValueError, match="outcome"):
        scenario("a", "xfailed", [])


def test_violation_objects_are_stored_as_dicts():
    s = scenario("a", "failed", [MUST], violations=[violation(MUST, "boom", location="event[1]")])
    assert s.violations[0] == violation(MUST, "boom", location="event[1]").to_dict()
