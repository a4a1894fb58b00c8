"""A conformance run spread over worker processes with pytest-xdist (``iconf run -n auto``, ``pytest -n 2``).

xdist runs the scenarios in workers; the controller process runs none, so
everything a report is made of has to reach it:

* each scenario's :class:`~conformance.reports.ScenarioResult` rides on its
  final test report (``report.iconf_result``, a plain dict xdist serialises)
  and is collected by the controller's ``pytest_runtest_logreport``, in the
  same place a serial run collects it, then put back in collection order;
* at the end each worker sends what it alone knows through
  ``workeroutput``: the target it opened (redacted), what it spent and the
  findings of tools that are not scenarios (schemathesis).

The controller writes the report (HTML, summary.json, junit.xml via pytest's
own junitxml, which xdist feeds) into one run directory it created and handed
to the workers, which write their Allure results into it as well. So the
report of ``-n N`` is the report of a serial run: same verdicts, same counts,
same files.

Shared or split, deterministically: the mock's canary API key is made once by
the controller, so every worker's mock accepts the same key and the writers
redact one secret; the request budget (``--max-requests``) is split between
the workers by worker number (worker *i* of *n* gets ``M // n``, plus one if
``i < M % n``), so the run never spends more than ``M``; retries, backoff and
any circuit breaker are per worker (each worker has its own client state).
Cassettes are one file per scenario, so workers never write the same file.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

#: what ``ScenarioResult.to_dict()`` is attached to a test report as
RESULT_ATTR = "iconf_result"


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """True in the process that hands scenarios to xdist workers (and so runs none itself)."""
    if is_worker(config) or not config.pluginmanager.hasplugin("xdist"):
        return False
    n = getattr(config.option, "numprocesses", None)
    return bool(n) and getattr(config.option, "dist", "no") != "no"


def worker_share(total: int, index: int, count: int) -> int:
    """Worker ``index`` of ``count``'s part of a budget of ``total`` (the parts add up to ``total``)."""
    return total // count + (1 if index < total % count else 0)


def worker_setup(config: pytest.Config, spec: str, options: dict) -> str | None:
    """In a worker: the controller's run directory, mock key and this worker's share of the request budget."""
    winput = config.workerinput  # type: ignore[attr-defined]
    if winput.get("iconf_mock_key") and not options.get("api_key"):
        options["api_key"] = winput["iconf_mock_key"]
    index = int(str(winput.get("workerid", "gw0")).removeprefix("gw") or 0)
    count = int(winput.get("workercount", 1) or 1)
    budget = options.get("max_requests")
    if budget is None and spec == "live":
        from ..targets import DEFAULT_LIVE_MAX_REQUESTS

        budget = DEFAULT_LIVE_MAX_REQUESTS
    if budget is not None:
        options["max_requests"] = worker_share(int(budget), index, count)
    return winput.get("iconf_report_dir")


def worker_output(config: pytest.Config, run: Any) -> None:
    """At the end of a worker: what the controller needs for the run record."""
    out = {
        "target": run.target.redacted() if run.target is not None else None,
        "model": run.target.model if run.target is not None else None,
        "spent": dict(vars(run.spent)) if run.spent is not None else {},
        "extra_findings": list(run.extra_findings),
    }
    config.workeroutput["iconf"] = json.dumps(out, default=str)  # type: ignore[attr-defined]


class Controller:
    """The controller's side (registered as a plugin when xdist distributes an iconf run)."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.order: dict[str, int] = {}
        self.remote: list[dict] = []
        self.mock_key = f"iconf-mock-{secrets.token_hex(6)}" if run.target_spec == "mock" else None
        if self.mock_key and not run.options.get("api_key"):
            run.options["api_key"] = self.mock_key

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["iconf_report_dir"] = str(self.run.report_dir) if self.run.report_dir else None
        node.workerinput["iconf_mock_key"] = self.run.options.get("api_key") if self.mock_key else None

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.order:  # every worker collects the same scenarios in the same order (xdist checks it)
            self.order = {nodeid: i for i, nodeid in enumerate(ids)}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = collected(report)
        if result is not None:
            self.run.results.append(result)

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        raw = getattr(node, "workeroutput", {}).get("iconf")
        if raw:
            self.remote.append(json.loads(raw))

    def merge(self) -> None:
        """Fold the workers' outputs into the run: scenarios in collection order, spent summed."""
        from ..targets import Spent

        self.run.results.sort(key=lambda r: self.order.get(r.nodeid, len(self.order)))
        spent: dict[str, int] = {}
        for out in self.remote:
            for k, v in out.get("spent", {}).items():
                spent[k] = spent.get(k, 0) + int(v)
            self.run.extra_findings.extend(f for f in out.get("extra_findings", [])
                                           if f not in self.run.extra_findings)
            if self.run.remote_target is None and out.get("target"):
                self.run.remote_target = out["target"]
                self.run.remote_model = out.get("model")
        if self.remote:
            self.run.spent = Spent(**{k: v for k, v in spent.items() if k in Spent.__dataclass_fields__})


def attach(report: pytest.TestReport, result: Any) -> None:
    """Put a scenario's result on its final report, so it reaches the controller with it."""
    setattr(report, RESULT_ATTR, result.to_dict())


def collected(report: pytest.TestReport) -> Any | None:
    """The ScenarioResult a worker attached to ``report`` (None on reports that carry none)."""
    data = getattr(report, RESULT_ATTR, None)
    if not isinstance(data, dict):
        return None
    from ..reports import ScenarioResult

    return ScenarioResult.from_dict(data)


__all__ = ["Controller", "RESULT_ATTR", "attach", "collected", "is_controller", "is_worker", "worker_output",
           "worker_setup", "worker_share"]
