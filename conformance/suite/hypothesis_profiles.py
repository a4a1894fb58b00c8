"""The Hypothesis profiles of the property scenarios: their names and example counts, in one place.

``--iconf-hypothesis-profile`` (and ``iconf run --hypothesis-profile``)
chooses one; the live target defaults to ``live`` (few examples, each costs
requests), every other target to ``quick``. Every profile is derandomised,
keeps no example database, has no deadline and no explain phase, so a run is
repeatable and a slow target is not a flaky one.

Each profile also sets the default time budget of one property scenario
(``--property-budget``, see ``conformance.suite.property_budget``): the
seconds it may go on after its first failure, a bound on shrinking against a
target that fails every example.
"""

from __future__ import annotations

#: profile name -> examples per property scenario
EXAMPLES: dict[str, int] = {"quick": 15, "thorough": 150, "live": 3}
NAMES: tuple[str, ...] = tuple(EXAMPLES)
#: profile name -> default seconds a property scenario goes on after its first failure (live: slow answers)
BUDGET_S: dict[str, float] = {"quick": 10.0, "thorough": 120.0, "live": 300.0}


def default_profile(target_spec: str) -> str:
    return "live" if target_spec == "live" else "quick"


def load(name: str) -> None:
    """Register every profile (idempotent) and make ``name`` the current one."""
    from hypothesis import HealthCheck, Phase, settings

    # no explain phase: after shrinking it re-runs the failing example many more times under a line tracer,
    # to print which parts of it did not matter, which no report shows. Against a target that fails every
    # example that was most of a scenario's time and memory (each re-run keeps its answer alive for the
    # tracer's bookkeeping: ~300 MB against a server sending 200 KB of nested arrays)
    common = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck),
              "phases": [p for p in Phase if p is not Phase.explain]}
    for profile, examples in EXAMPLES.items():
        settings.register_profile(f"iconf-{profile}", max_examples=examples, **common)
    settings.load_profile(f"iconf-{name}")
