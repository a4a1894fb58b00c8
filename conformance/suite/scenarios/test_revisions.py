"""Revisions a target no longer serves: the live API retired legacy on 2026-06-08 (API-FACTS §9).

Runs only against a target without the ``legacy`` capability (the live API), under ``--revision legacy``
or ``all``: a legacy request must get the documented 400. Everywhere else legacy is served and judged by
the rest of the catalogue.
"""

from __future__ import annotations

import pytest

from conformance.checks import legacy_retired

iconf = pytest.mark.iconf


@iconf(area="revision", rules=["revision.legacy.retired"], needs=["no-legacy"])
def test_legacy_request_answered_as_retired(client, judge, revision):
    if revision != "legacy":
        pytest.skip("about the legacy revision (run with --revision legacy or all)")
    answer = client.create({"model": client.config.model, "input": "Hello."})
    judge.add(legacy_retired(answer.status, answer.body, where="POST /interactions (Api-Revision: 2026-05-07)"),
              "revision.legacy.retired")
    if answer.status >= 400:
        judge.error(answer, "legacy request")
