"""Schemathesis runs the profile's OpenAPI document against the target (see ``conformance.suite.schemathesis_support``).

Per operation (create, get, delete, cancel) and generation mode, Schemathesis
draws cases from the same document the run validates with (``--iconf-schema``
or the profile's), each sent through the suite's client and judged by
schemathesis's checks plus the suite's own ``check_exchange``. Every finding
goes to the report's extra findings; findings that map to a rule are also
recorded as violations, so the matrix shows them. Example counts come from
the loaded Hypothesis profile, derandomized (cassette replays see the same
cases).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis.errors import Flaky
from schemathesis import GenerationMode

from conformance.rules import violation
from conformance.suite.property_budget import PropertyBudget
from conformance.suite.schemathesis_support import OPERATIONS, SchemathesisRun, load_schema, operation
from conformance.suite.strategies import run_settings

iconf = pytest.mark.iconf

RULES_CHECKED = ["error.bad-input.no-5xx", "error.bad-input.rejected", "error.envelope.shape",
                 "schema.interaction.valid", "request.valid.accepted"]
#: the modes each operation is fuzzed in: negative cases where the operation takes input a server must check
MODES = {"create": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
         "get": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
         "delete": (GenerationMode.POSITIVE,), "cancel": (GenerationMode.POSITIVE,)}


def _real_interaction(client, judge, name: str) -> str | None:
    """An interaction to aim the id-taking operations at (a running background one for cancel), or None."""
    caps = client.config.capabilities
    if name == "create" or "store" not in caps or (name == "cancel" and "background" not in caps):
        return None
    request = {"model": client.config.model, "input": "Say hello.", **({"background": True} if name == "cancel" else {})}
    body = judge.expect_ok(client.create(request), f"create (the interaction the {name} cases use)")
    return body["id"]


@iconf(area="schema", rules=RULES_CHECKED)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_schemathesis_operation(client, judge, revision, iconf_run, schemas, name):
    """Schemathesis's checks (no 5xx, documented status and content type, response schema, negative data
    rejected) and the suite's exchange rules, on generated cases of one operation."""
    op = operation(load_schema(schemas.path), name)
    if op is None:
        pytest.skip(f"{schemas.path.name} has no {' '.join(OPERATIONS[name])} operation")
    if name == "delete":
        judge.covers("schema.delete.empty-object")
    run = SchemathesisRun(client, schemas)
    budget = PropertyBudget(iconf_run.options["property_budget"])  # one for all passes, from the first finding
    fixed = {"api_version": client.config.api_version}
    passes = [(mode, fixed) for mode in MODES[name]]
    real = _real_interaction(client, judge, name)
    if real is not None:
        # cases on an interaction that exists, so the 200 answers (full resource, {} on DELETE) are judged too
        passes = [(mode, {**fixed, "id": real}) for mode in MODES[name]] + passes

    for mode, path_parameters in passes:
        strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters)
        seed_name = f"schemathesis-{name}-{mode.value}-{'real' if 'id' in path_parameters else 'any'}"

        @run_settings(client.config.max_requests, seed_name)
        @given(case=strategy)
        def generated(case) -> None:
            if budget.allows():  # spent: the cases left are not sent
                run.run_case(name, case)
            if run.findings:  # the budget counts from the first finding (a passing target never starts it)
                budget.start()

        try:
            generated()
        except Flaky:
            # a non-deterministic target: a failing case passed on Hypothesis's replay. The findings were
            # recorded as they happened (run.findings), so nothing is lost; say so and judge them below.
            iconf_run.extra_findings.append({
                "source": "schemathesis", "check": "not-reproduced", "rule_id": None,
                "message": f"a failing {name} case passed when replayed (the target is not deterministic); "
                           "its findings are reported as found", "evidence": {"revision": client.profile.name}})

    if budget.spent:
        iconf_run.extra_findings.append(budget.finding("schemathesis", client.profile.name, f"{name} cases"))
    for finding in run.findings.values():
        iconf_run.extra_findings.append(finding.to_extra())
        if finding.violations:
            judge.add(finding.violations)
        elif finding.rule_id:
            judge.add([violation(finding.rule_id, f"schemathesis {finding.check}: {finding.title}",
                                 location=finding.operation, observed=str(finding.evidence.get("status")),
                                 evidence=finding.evidence)])
    if run.filtered:  # rule bugs of the published schema (see schemathesis_support.rule_bug), not findings
        print(f"schemathesis findings filtered as rule bugs: {run.filtered}")
