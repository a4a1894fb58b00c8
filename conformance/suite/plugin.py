"""The pytest plugin: options, markers, fixtures and hooks of a conformance run, nothing else.

Loaded automatically (``pytest11`` entry point) but inert until
``--iconf-target`` is given, so it never disturbs a project's own tests.
Given a target, it adds the shipped scenarios (``conformance.suite.scenarios``)
to the run, next to whatever the project collects itself.

A thin layer, in the spirit of pytest-recording. The work lives elsewhere:

* :mod:`.run` — the run's shared state, opening the target, the run record;
* :mod:`.distributed` — the same run spread over pytest-xdist workers;
* :mod:`.verdicts` — a scenario's outcome from pytest's report and the judge;
* :mod:`.judge` — the checks a scenario's observations go through;
* :mod:`conformance.reports` — every report, Allure's labels included.

Verdicts: a scenario's MUST violations fail its test; SHOULD violations are
reported but do not fail it. The run's exit status is the report's: 0 only
if no MUST rule failed. A target that cannot be opened is a set-up error:
one line and pytest's usage-error status, not one failure per scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..clitools import plural
from ..errors import ConformanceError, TargetOpenError
from ..profiles import revision_names
from ..rules import RULES
from ..schema import SchemaSet
from ..strictness import Strictness
from .run import IconfRun, preflight, target_name, utcnow

_RUN = pytest.StashKey[IconfRun]()
_RECORDER = pytest.StashKey[object]()
_RECORD = pytest.StashKey[object]()
_JUDGE = pytest.StashKey[object]()
_CLIENT = pytest.StashKey[object]()
#: the run record of a finished session (``config.stash[RECORD_KEY]``), for tools that drive pytest in-process
RECORD_KEY = _RECORD

SCENARIOS_PACKAGE = "conformance.suite.scenarios"
SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    from .options import add_pytest_options

    add_pytest_options(parser.getgroup("iconf", "Gemini Interactions API conformance (interactions-conformance)"))


def _run(config: pytest.Config) -> IconfRun | None:
    return config.stash.get(_RUN, None)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "iconf(area, rules, needs): a conformance scenario: its rule area, "
                                       "the rules it checks and the target capabilities it needs")
    spec = config.getoption("iconf_target", None)
    if not spec:
        return
    from .options import OPTIONS, default_revision

    options = {opt.dest: config.getoption(f"iconf_{opt.dest}") for opt in OPTIONS}
    try:
        revisions = revision_names(options["revision"] or default_revision(spec))
        strict = Strictness.from_options(options["strict"])
        selected = frozenset(r.id for r in RULES.select(options["rules"].split(","))) if options["rules"] else None
        preflight(spec, options, revisions)
    except (ConformanceError, ValueError, KeyError) as exc:
        raise pytest.UsageError(f"iconf: {exc}") from None
    options["revision"] = ",".join(revisions)
    from . import distributed

    report_dir = None
    if distributed.is_worker(config):  # the controller's run directory, key and this worker's budget share
        given = distributed.worker_setup(config, spec, options)
        report_dir = Path(given) if given else None
    elif not options["no_report"]:
        from ..reports import new_run_dir

        report_dir = new_run_dir(Path(options["report_dir"]), target_name(spec))
    if report_dir is not None:
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(report_dir / "junit.xml")
        if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
            config.option.allure_report_dir = str(report_dir / "allure-results")
    run = config.stash[_RUN] = IconfRun(options=options, target_spec=spec, revisions=revisions, selected=selected,
                                        report_dir=report_dir, started=utcnow(), strictness=strict)
    if distributed.is_controller(config):
        run.controller = distributed.Controller(run)
        config.pluginmanager.register(run.controller, "iconf-xdist-controller")
    if options["record"] or spec == "replay":  # cassettes: record (--iconf-record MODE) or replay them
        from ..cassettes.recorder import CassetteRecorder

        recorder = CassetteRecorder.from_config(config, spec, options["record"])
        options["cassette_dir"] = str(recorder.dir)
        config.stash[_RECORDER] = recorder
    from . import hypothesis_profiles

    profile = options["hypothesis_profile"] or hypothesis_profiles.default_profile(spec)
    hypothesis_profiles.load(profile)
    if options.get("property_budget") is None:
        options["property_budget"] = hypothesis_profiles.BUDGET_S[profile]
    _add_scenarios(config)


def _add_scenarios(config: pytest.Config) -> None:
    """Collect the shipped scenarios too, unless the command line already names them.

    Files, not the directory, so a project's own ``python_files`` setting
    cannot hide them.
    """
    for arg in config.args:
        if arg.split("::")[0].startswith(SCENARIOS_PACKAGE):
            return
        try:
            path = Path(arg.split("::")[0]).resolve()
        except (OSError, ValueError):
            continue
        if path == SCENARIOS_DIR or SCENARIOS_DIR in path.parents:
            return
    config.args.extend(str(p) for p in sorted(SCENARIOS_DIR.glob("test_*.py")))


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
    """The opened target (a :class:`TargetConfig`). A target that cannot be opened stops the run, once."""
    try:
        return iconf_run.open_target()
    except TargetOpenError as exc:
        pytest.exit(f"iconf: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def schemas(iconf_run: IconfRun, revision: str) -> SchemaSet:
    return iconf_run.schema_set(revision)


def _no_wait(seconds: float) -> None:
    """The replay target's ``sleep``."""


@pytest.fixture
def client(request: pytest.FixtureRequest, iconf_run: IconfRun, iconf_target, schemas: SchemaSet):
    from ..targets import TargetClient

    transport = None
    recorder = request.config.stash.get(_RECORDER, None)
    if recorder is not None:
        transport = recorder.transport_for(request.node, iconf_target)
    limit = iconf_target.max_requests
    if limit is not None and iconf_run.spent.requests >= limit:
        pytest.skip(f"the request budget of {limit} is spent (raise --max-requests to run more)")
    iconf_run.gate.check()  # the run deadline passed or the target stopped answering: not judged, at once
    # replayed answers come back in the recorded order whenever they are asked for: waiting between polls (or
    # before a retry) changes nothing offline but the run time
    extra = {"sleep": _no_wait} if iconf_target.kind == "replay" else {}
    c = TargetClient(iconf_target, schemas, spent=iconf_run.spent, transport=transport, gate=iconf_run.gate, **extra)
    request.node.stash[_CLIENT] = c
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
    request.node.stash[_JUDGE] = j
    return j


# --- hooks -----------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    from . import verdicts

    outcome = yield
    report = outcome.get_result()
    run = _run(item.config)
    if run is None:
        return
    if not _is_scenario(item):  # one of the project's own tests, run alongside
        if report.failed:
            run.project_failures += 1
        return
    judge = item.stash.get(_JUDGE, None)
    hint = f"{run.report_dir}/index.html" if run.report_dir is not None else None
    verdicts.adjust_report(item, report, call, judge, hint)
    if verdicts.finished(report):
        result = verdicts.scenario_result(item, report, call, judge, item.stash.get(_CLIENT, None))
        run.results.append(result)
        if hasattr(item.config, "workerinput"):  # the controller collects it from the report (.distributed)
            from .distributed import attach

            attach(report, result)
        if item.config.pluginmanager.has_plugin("allure_listener"):
            from ..reports import allure

            allure.label(result, getattr(item, "originalname", None) or item.name)


def _is_scenario(item: pytest.Item) -> bool:
    return item.get_closest_marker("iconf") is not None or SCENARIOS_DIR in Path(str(item.path)).resolve().parents


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if run is None:
        return
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes the report
        from .distributed import worker_output

        try:
            worker_output(session.config, run)
        finally:
            run.close()
        return
    if run.controller is not None:
        run.controller.merge()
    try:
        record = run.record()
        session.config.stash[_RECORD] = record
        if run.report_dir is not None:
            from ..reports import write_report

            write_report(record, run.report_dir, base=run.report_dir.parent)
        if exitstatus in (0, 1) and record.scenarios:
            # the conformance verdict, but never hiding a failure of the project's own tests
            session.exitstatus = 1 if run.project_failures else record.exit_code()
    finally:
        run.close()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    record = config.stash.get(_RECORD, None)
    run = _run(config)
    if record is None or run is None:
        return
    if run.open_error is not None:  # a set-up error: pytest.exit printed it once; no verdict to show
        return
    from ..reports import render_summary

    terminalreporter.write_sep("=", "Interactions API conformance")
    spent = record.spent
    terminalreporter.write_line(f"spent: {plural(spent.get('requests', 0), 'request')}, "
                                f"{plural(spent.get('retries', 0), 'retry', 'retries')}, "
                                f"{plural(spent.get('stream_events', 0), 'stream event')}")
    if run.report_dir is not None:
        terminalreporter.write_line(f"report: {run.report_dir}/index.html (summary.json, junit.xml, allure-results/)")
    writer = terminalreporter._tw
    width = writer.fullwidth if writer.hasmarkup else 200  # a terminal's width; a log is not cut to 80 columns
    terminalreporter.write_line(render_summary(record, width=width))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """junit.xml and allure-results are written after our report: sweep the run directory for keys once more."""
    run = _run(config)
    if run is None or run.report_dir is None or not run.report_dir.exists() or hasattr(config, "workerinput"):
        return
    from ..reports import scrub_tree

    secrets = run.secrets()
    if secrets:
        scrub_tree(run.report_dir, secrets)
