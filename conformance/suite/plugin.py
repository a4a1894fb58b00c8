"""The pytest plugin: options, fixtures, verdicts and the report of a conformance run.

Loaded automatically (``pytest11`` entry point) but inert until
``--iconf-target`` is given, so it never disturbs a project's own tests.
A thin layer, in the spirit of pytest-recording: configuration as options,
the work done by ``conformance.targets``, ``conformance.checks`` and
``conformance.reports``.

Verdicts: a scenario's MUST violations fail its test (with the evidence);
SHOULD violations are reported but do not fail it. The run's exit status is
the report's: 0 only if no MUST rule failed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..profiles import get_profile, revision_names
from ..rules import RULES
from ..schema import SchemaSet
from ..strictness import Strictness

_KEY = pytest.StashKey["IconfRun"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    from .options import add_pytest_options

    add_pytest_options(parser.getgroup("iconf", "Gemini Interactions API conformance (interactions-conformance)"))


@dataclass
class IconfRun:
    """Everything one conformance run shares across scenarios."""

    options: dict
    target_spec: str
    revisions: list[str]
    selected: frozenset[str] | None
    report_dir: Path | None
    started: str
    strictness: Strictness
    results: list = field(default_factory=list)
    extra_findings: list = field(default_factory=list)
    target: Any = None
    spent: Any = None
    schemas: dict = field(default_factory=dict)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    open_error: str | None = None
    #: under xdist (see .distributed): the controller's side, and the target as a worker described it
    controller: Any = None
    remote_target: dict | None = None
    remote_model: str | None = None

    def schema_set(self, revision: str) -> SchemaSet:
        if revision not in self.schemas:
            self.schemas[revision] = SchemaSet(get_profile(revision), self.options.get("schema"), self.strictness)
        return self.schemas[revision]


def _run(config: pytest.Config) -> IconfRun | None:
    return config.stash.get(_KEY, None)


def _utcnow() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _target_name(spec: str) -> str:
    if spec.startswith(("http://", "https://")):
        from ..targets import _url_name

        return _url_name(spec)
    return spec


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "iconf(area, rules, needs): a conformance scenario: its rule area, "
                                       "the rules it checks and the target capabilities it needs")
    spec = config.getoption("iconf_target", None)
    if not spec:
        return
    from .options import default_revision

    try:
        revisions = revision_names(config.getoption("iconf_revision") or default_revision(spec))
        strict = Strictness.from_options(config.getoption("iconf_strict"))
        rules = config.getoption("iconf_rules")
        selected = frozenset(r.id for r in RULES.select(rules.split(","))) if rules else None
    except (ValueError, KeyError) as exc:
        raise pytest.UsageError(f"iconf: {exc}") from None
    from . import distributed
    from .options import OPTIONS

    options = {opt.dest: config.getoption(f"iconf_{opt.dest}") for opt in OPTIONS}
    report_dir = None
    if distributed.is_worker(config):  # the controller's run directory, key and this worker's budget share
        given = distributed.worker_setup(config, spec, options)
        report_dir = Path(given) if given else None
    elif not config.getoption("iconf_no_report"):
        from ..reports import new_run_dir

        report_dir = new_run_dir(Path(config.getoption("iconf_report_dir")), _target_name(spec))
    if report_dir is not None:
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(report_dir / "junit.xml")
        if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
            config.option.allure_report_dir = str(report_dir / "allure-results")
    run = config.stash[_KEY] = IconfRun(options=options, target_spec=spec, revisions=revisions, selected=selected,
                                        report_dir=report_dir, started=_utcnow(), strictness=strict)
    if distributed.is_controller(config):
        run.controller = distributed.Controller(run)
        config.pluginmanager.register(run.controller, "iconf-xdist-controller")
    if options["record"] or spec == "replay":  # cassettes: record (--iconf-record MODE) or replay them
        from ..cassettes.recorder import CassetteRecorder

        recorder = CassetteRecorder.from_config(config, spec, options["record"])
        options["cassette_dir"] = str(recorder.dir)
        config.stash[_RECORDER_KEY] = recorder
    _hypothesis_profiles(config, spec)


def _hypothesis_profiles(config: pytest.Config, spec: str) -> None:
    from hypothesis import HealthCheck, settings

    common = {"deadline": None, "derandomize": True, "database": None,
              "suppress_health_check": list(HealthCheck)}
    settings.register_profile("iconf-quick", max_examples=15, **common)
    settings.register_profile("iconf-thorough", max_examples=150, **common)
    settings.register_profile("iconf-live", max_examples=3, **common)
    chosen = config.getoption("iconf_hypothesis_profile") or ("live" if spec == "live" else "quick")
    settings.load_profile(f"iconf-{chosen}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run = _run(metafunc.config)
    if run is not None and "revision" in metafunc.fixturenames:
        metafunc.parametrize("revision", run.revisions, ids=run.revisions, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = _run(config)
    if run is None or run.selected is None:
        return
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("iconf")
        rules = set(marker.kwargs.get("rules", ())) if marker else set()
        (keep if not marker or rules & run.selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def iconf_run(request: pytest.FixtureRequest) -> IconfRun:
    run = _run(request.config)
    if run is None:
        pytest.skip("conformance scenarios need --iconf-target (mock, live, replay or a URL)")
    return run


@pytest.fixture(scope="session")
def iconf_target(iconf_run: IconfRun):
    """The opened target (a :class:`TargetConfig`); opening failures fail every scenario, they do not crash."""
    from ..targets import Spent, TargetSpecError, open_target

    if iconf_run.target is None and iconf_run.open_error is None:
        o = iconf_run.options
        try:
            if iconf_run.target_spec == "replay":
                from ..cassettes.replay import open_replay_target

                cm = open_replay_target(Path(o.get("cassette_dir") or os.environ.get("ICONF_CASSETTE_DIR")
                                             or "cassettes"), o)
            else:
                cm = open_target(iconf_run.target_spec, api_key=o["api_key"], base_url=o["base_url"],
                                 model=o["model"], api_version=o["api_version"], max_requests=o["max_requests"],
                                 capabilities=o["capability"], mock_faults=o["mock_fault"],
                                 timeout_s=o["timeout"])
            iconf_run.target = iconf_run._stack.enter_context(cm)
            iconf_run.spent = Spent()
        except (TargetSpecError, OSError, RuntimeError) as exc:
            iconf_run.open_error = f"{type(exc).__name__}: {exc}"
    if iconf_run.open_error:
        pytest.fail(f"the target could not be opened: {iconf_run.open_error}", pytrace=False)
    yield iconf_run.target


@pytest.fixture
def schemas(iconf_run: IconfRun, revision: str) -> SchemaSet:
    return iconf_run.schema_set(revision)


@pytest.fixture
def client(request: pytest.FixtureRequest, iconf_run: IconfRun, iconf_target, schemas: SchemaSet):
    from ..targets import TargetClient

    transport = None
    recorder = request.config.stash.get(_RECORDER_KEY, None)
    if recorder is not None:
        transport = recorder.transport_for(request.node)
    limit = iconf_target.max_requests
    if limit is not None and iconf_run.spent.requests >= limit:
        pytest.skip(f"the request budget of {limit} is spent (raise --max-requests to run more)")
    c = TargetClient(iconf_target, schemas, spent=iconf_run.spent, transport=transport)
    request.node.stash[_CLIENT_KEY] = c
    yield c
    c.close()


@pytest.fixture
def judge(request: pytest.FixtureRequest, iconf_run: IconfRun, client):
    from .judge import Judge

    marker = request.node.get_closest_marker("iconf")
    if marker:
        needs = marker.kwargs.get("needs", ())
        caps = client.config.capabilities
        # "no-NAME": the scenario is about a target *without* NAME (e.g. no-legacy: legacy was retired)
        missing = [n for n in needs if not n.startswith("no-") and n not in caps]
        if missing:
            pytest.skip(f"the {client.config.name} target lacks capability {', '.join(missing)}")
        present = [n[3:] for n in needs if n.startswith("no-") and n[3:] in caps]
        if present:
            pytest.skip(f"the {client.config.name} target has capability {', '.join(present)}")
    revision = request.node.callspec.params.get("revision") if hasattr(request.node, "callspec") else None
    if (revision == "legacy" and "legacy" not in client.config.capabilities
            and "no-legacy" not in (marker.kwargs.get("needs", ()) if marker else ())):
        pytest.skip(f"the {client.config.name} target retired the legacy revision (removed from the live API on "
                    "2026-06-08); only revision.legacy.retired is checked there")
    j = Judge(client, iconf_run.selected)
    if marker:
        for rule_id in marker.kwargs.get("rules", ()):
            if iconf_run.selected is None or rule_id in iconf_run.selected:
                j.covers(rule_id)
    request.node.stash[_JUDGE_KEY] = j
    return j


_JUDGE_KEY = pytest.StashKey["Any"]()
_CLIENT_KEY = pytest.StashKey["Any"]()
_RECORDER_KEY = pytest.StashKey["Any"]()
#: where the cassette layer registers itself (conformance.cassettes.pytest_support)
RECORDER_KEY = _RECORDER_KEY


# --- verdicts --------------------------------------------------------------------------------------


def _budget_spent(excinfo) -> bool:
    from ..targets import BudgetExhausted

    return excinfo.errisinstance(BudgetExhausted)


def _evidence(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v.rule_id} [{v.level}]: {v.message}" + (f"\n    at {v.location}" if v.location else ""))
        if v.expected is not None:
            lines.append(f"    expected: {v.expected}")
        if v.observed is not None:
            lines.append(f"    observed: {v.observed}")
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    run = _run(item.config)
    if run is None:
        return
    judge = item.stash.get(_JUDGE_KEY, None)
    if (report.when == "call" and call.excinfo is not None and _budget_spent(call.excinfo)
            and not (judge is not None and judge.must_failures())):
        # running out of budget mid-scenario says nothing about the target: skip, with the reason
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
    if report.when == "call" and judge is not None and (report.passed or report.skipped or (
            call.excinfo is not None and _budget_spent(call.excinfo))):
        # a scenario that skipped after finding a MUST violation (the target stopped cooperating half-way)
        # still found it: it fails, and is counted as failed
        must = judge.must_failures()
        if must:
            skipped = _skip_reason(report) if report.skipped else None
            report.outcome = "failed"
            report.longrepr = "MUST rules failed:\n" + _evidence(must) + (
                f"\n(the scenario then skipped: {skipped})" if skipped else "")
    finished = report.when == "call" or (report.when == "setup" and not report.passed)
    if finished:
        _record(item, report, call, run, judge)


def _record(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, run: IconfRun, judge) -> None:
    from ..reports import ScenarioResult

    marker = item.get_closest_marker("iconf")
    revision = item.callspec.params.get("revision") if hasattr(item, "callspec") else None
    client = item.stash.get(_CLIENT_KEY, None)
    transcript = "\n".join(client.transcript) if client is not None else None
    violations = [v.to_dict() for v in judge.violations] if judge is not None else []
    if report.skipped:
        outcome, reason = "skipped", _skip_reason(report)
    elif report.when == "setup":  # the target could not be opened or a fixture broke: not a verdict
        outcome, reason = "error", str(call.excinfo.value)[:1000] if call.excinfo is not None else "setup failed"
    elif report.passed:
        outcome, reason = "passed", None
    elif judge is not None and judge.must_failures() and (call.excinfo is None or _skipped(call.excinfo)):
        outcome, reason = "failed", None
    elif call.excinfo is not None and call.excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
        outcome, reason = "failed", None
    else:
        outcome, reason = "error", str(call.excinfo.value)[:1000] if call.excinfo is not None else None
    area = marker.kwargs.get("area") if marker else None
    result = ScenarioResult(
        nodeid=item.nodeid, name=item.name, revision=revision or "-", outcome=outcome,
        duration=float(getattr(report, "duration", 0.0)), rules=list(judge.rules) if judge else
        list(marker.kwargs.get("rules", ())) if marker else [], violations=violations,
        skip_reason=reason if outcome == "skipped" else (reason if outcome == "error" else None),
        transcript=transcript, area=area,
    )
    run.results.append(result)
    if hasattr(item.config, "workerinput"):  # the controller collects it from the report (.distributed)
        from .distributed import attach

        attach(report, result)
    _allure_labels(item, result, transcript, outcome)


def _skipped(excinfo) -> bool:
    return excinfo.errisinstance(pytest.skip.Exception) or _budget_spent(excinfo)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _allure_labels(item: pytest.Item, result, transcript: str | None, outcome: str) -> None:
    try:
        import allure
    except ImportError:  # pragma: no cover
        return
    if not item.config.pluginmanager.has_plugin("allure_listener"):
        return
    # epic = area, feature = rule, story = scenario; added after the call, so the listener sees them at teardown
    try:
        allure.dynamic.epic(result.area or "general")
        for rule_id in result.rules:
            allure.dynamic.feature(rule_id)
        allure.dynamic.story(item.originalname if hasattr(item, "originalname") else item.name)
        allure.dynamic.tag(f"revision:{result.revision}")
        if outcome in ("failed", "error") and transcript:
            allure.attach(transcript, name="request/response/stream transcript",
                          attachment_type=allure.attachment_type.TEXT)
        if result.violations:
            allure.attach(_evidence_dicts(result.violations), name="violations",
                          attachment_type=allure.attachment_type.TEXT)
    except Exception:  # noqa: BLE001 - allure is a report, never a reason to lose the verdict
        return


def _evidence_dicts(violations: list[dict]) -> str:
    return "\n".join(f"{v['rule_id']} [{v['level']}]: {v['message']} at {v.get('location')}\n"
                     f"    expected: {v.get('expected')}\n    observed: {v.get('observed')}" for v in violations)


# --- the end of the run ----------------------------------------------------------------------------


def build_record(run: IconfRun):
    from ..reports import RunRecord

    target = (run.target.redacted() if run.target is not None else run.remote_target
              or {"name": _target_name(run.target_spec), "kind": run.target_spec, "base_url": None})
    spent = vars(run.spent) if run.spent is not None else {"requests": 0}
    # keys stay in the options so the report writers know what to redact; they never reach disk
    options = dict(run.options, api_key=getattr(run.target, "api_key", None) or run.options.get("api_key"))
    return RunRecord(
        run_id=run.report_dir.name if run.report_dir else f"run-{run.started}", started=run.started,
        finished=_utcnow(), target=target, revisions=run.revisions,
        model=run.target.model if run.target is not None else run.remote_model or run.options.get("model"),
        suite_version=__version__,
        options=options, scenarios=run.results, spent=dict(spent), extra_findings=run.extra_findings,
        parties=("server", "both"),  # a suite run judges the target server; client rules belong to the proxy
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if run is None:
        return
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes the report
        from .distributed import worker_output

        try:
            worker_output(session.config, run)
        finally:
            run._stack.close()
        return
    if run.controller is not None:
        run.controller.merge()
    try:
        record = build_record(run)
        session.config.stash[_RECORD_KEY] = record
        if run.report_dir is not None:
            from ..reports import write_report

            write_report(record, run.report_dir, base=run.report_dir.parent)
        if exitstatus in (0, 1) and record.scenarios:
            session.exitstatus = record.exit_code()
    finally:
        run._stack.close()


_RECORD_KEY = pytest.StashKey["Any"]()
RECORD_KEY = _RECORD_KEY


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    record = config.stash.get(_RECORD_KEY, None)
    run = _run(config)
    if record is None or run is None:
        return
    from ..reports import render_summary

    terminalreporter.write_sep("=", "Interactions API conformance")
    terminalreporter.write_line(render_summary(record))
    spent = record.spent
    terminalreporter.write_line(f"spent: {spent.get('requests', 0)} requests, {spent.get('retries', 0)} retries, "
                                f"{spent.get('stream_events', 0)} stream events")
    if run.report_dir is not None:
        terminalreporter.write_line(f"report: {run.report_dir}/index.html (summary.json, junit.xml, allure-results/)")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """junit.xml and allure-results are written after our report: sweep the run directory for keys once more."""
    run = _run(config)
    if run is None or run.report_dir is None or not run.report_dir.exists() or hasattr(config, "workerinput"):
        return
    from ..reports import scrub_tree

    secrets = [s for s in (run.options.get("api_key"), getattr(run.target, "api_key", None)) if s]
    if secrets:
        scrub_tree(run.report_dir, secrets)
