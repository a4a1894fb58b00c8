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
from schemathesis import GenerationMode

from conformance.rules import violation
from conformance.suite.schemathesis_support import OPERATIONS, SchemathesisRun, load_schema, operation

iconf = pytest.mark.iconf

RULES_CHECKED = ["error.bad-input.no-5xx", "error.bad-input.rejected", "error.envelope.shape",
                 "schema.interaction.valid", "request.valid.accepted"]
#: the modes each operation is fuzzed in: negative cases where the operation takes input a server must check
MODES = {"create": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
         "get": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
         "delete": (GenerationMode.POSITIVE,), "cancel": (GenerationMode.POSITIVE,)}


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
    fixed = {"api_version": client.config.api_version}
    if name == "get" and "store" in client.config.capabilities:
        # GET a stored interaction, so positive cases see the full resource (not only 404s)
        created = client.create({"model": client.config.model, "input": "Say hello."})
        judge.expect_ok(created, "create (the interaction the GET cases read)")
        fixed["id"] = created.body["id"]

    for mode in MODES[name]:
        strategy = op.as_strategy(generation_mode=mode, path_parameters=fixed)

        @given(case=strategy)
        def generated(case) -> None:
            run.run_case(name, case)

        generated()

    for finding in run.findings.values():
        iconf_run.extra_findings.append(finding.to_extra())
        if finding.violations:
            judge.add(finding.violations)
        elif finding.rule_id:
            judge.add([violation(finding.rule_id, f"schemathesis {finding.check}: {finding.title}",
                                 location=finding.operation, observed=str(finding.evidence.get("status")),
                                 evidence=finding.evidence)])
    if run.filtered:
        print(f"schemathesis findings filtered as rule bugs: {run.filtered}")
        import os
        if os.environ.get("ICONF_DEBUG_ST"):
            for reason, f in run.filtered_findings[:5]:
                print("FILTERED", reason, f.title, f.message[:1500], f.evidence)
    import os
    if os.environ.get("ICONF_DEBUG_ST"):
        for f in run.findings.values():
            print("FINDING", f.check, f.title, f.message[:1000], f.evidence)
