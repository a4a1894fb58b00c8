"""Client robustness: run a client once per mock robustness case and say how it coped.

``run_robustness(command, cases)`` runs ``command`` through :func:`.harness.run_client`
once per case, with the case switched on for the whole mock
(``MockConfig.robustness``), and classifies each run:

* ``completed``: exit 0 (and, for the retry cases, no retry was needed or seen);
* ``retried``: exit 0 after the proxy saw the refused request sent again, no
  sooner than ``Retry-After`` (``rate-limit``) or at all (``unavailable``);
* ``retried-early``: exit 0, but a retry came sooner than ``Retry-After``;
* ``typed-error``: non-zero exit whose final exception is a recognisable
  error class of the SDK or its HTTP library (not a generic ``KeyError``,
  ``TypeError``, ``ValidationError``, ...);
* ``crashed``: non-zero exit without a typed error (a generic exception, a
  signal, or the program's own "wrong result" exit);
* ``hung``: the program did not finish within the per-case timeout.

The cases are conforming server behaviour, so any server violation the proxy
reports during a case is a checker finding, kept in the report (not hidden).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..mock.robustness import CASES, RETRY_AFTER_S
from ..rules import Violation
from .harness import ClientRun, run_client

__all__ = ["CASES", "EXPECTED", "CaseResult", "RobustnessRun", "classify", "final_error", "is_typed_error",
           "report_robustness", "resolve_cases", "run_robustness"]

#: acceptable outcomes per case (the first is the ideal one); anything else is reported as unexpected
EXPECTED: dict[str, tuple[str, ...]] = {
    "unknown-types": ("completed",),
    "all-blocks": ("completed",),
    "byte-split": ("completed",),
    "heartbeats": ("completed",),
    # completed: the application saw the error event; typed-error: the SDK raised it as an error
    "mid-stream-error": ("typed-error", "completed"),
    # completed: the application resumed with last_event_id after the SDK reported the break
    "drop-and-resume": ("completed", "typed-error"),
    "rate-limit": ("retried",),
    "unavailable": ("retried",),
    "slow-stream": ("completed",),
}
OUTCOMES = ("completed", "retried", "retried-early", "typed-error", "crashed", "hung")
DEFAULT_CASE_TIMEOUT = 60.0
#: exception names that say nothing about the SDK having handled the problem: a crash, not a typed error
GENERIC_ERRORS = frozenset({
    "Error", "Exception", "BaseException", "TypeError", "ValueError", "KeyError", "AttributeError", "IndexError",
    "RuntimeError", "AssertionError", "SyntaxError", "ReferenceError", "RangeError", "NameError", "LookupError",
    "UnicodeDecodeError", "UnicodeError", "JSONDecodeError", "ValidationError", "ZeroDivisionError",
    "StopIteration", "StopAsyncIteration", "NotImplementedError", "RecursionError", "UnboundLocalError",
    "SystemError", "MemoryError", "ImportError", "ModuleNotFoundError", "KeyboardInterrupt", "SystemExit",
    "EvalError", "URIError", "AggregateError", "InternalError",
})
_CANARY = re.compile(r"iconf-canary-[0-9a-f]+")
_CLIENT_LINE = re.compile(r"^iconf-client:\s*(\S+)\s+(\S+)", re.M)
#: a program that caught an SDK error and carried on (e.g. resumed after a drop) names it on this line
_CAUGHT_LINE = re.compile(r"^iconf-caught:\s*(\S+)", re.M)
_PY_FINAL = re.compile(r"^([A-Za-z_][\w.]*)(?::\s.*|:?)$")
_ANY_ERROR = re.compile(r"^\s*(?:Uncaught\s+)?(?:\[)?([A-Za-z_$][\w$.]*(?:Error|Exception)\w*)\]?(?::|\s*$|\s+[{\[(])")
_TAIL = 4000


def resolve_cases(values: Iterable[str] | None) -> list[str]:
    """``[]``/``None``/``["all"]`` -> every case; otherwise the names given (ValueError naming a bad one)."""
    names = [v.strip() for value in (values or []) for v in value.split(",") if v.strip()]
    if not names or "all" in names:
        return list(CASES)
    bad = [n for n in names if n not in CASES]
    if bad:
        raise ValueError(f"unknown robustness case {bad[0]!r}; valid cases: {', '.join(CASES)} or all "
                         "(put -- before the command)")
    return list(dict.fromkeys(names))


def final_error(stderr: str) -> str | None:
    """The class name of the exception that ended the program, as its stderr shows it (None: none shown)."""
    lines = stderr.splitlines()
    last_tb = max((i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")),
                  default=None)
    if last_tb is not None:  # Python: the last unindented line after the last traceback header
        for line in reversed(lines[last_tb + 1:]):
            if not line or line[0].isspace() or line.startswith("^"):
                continue
            match = _PY_FINAL.match(line)
            if match and any(c.isupper() for c in match.group(1)):
                return match.group(1)
    found = None
    for line in lines:  # Node and others: the last line naming an ...Error / ...Exception
        if line.lstrip().startswith("at "):
            continue
        match = _ANY_ERROR.match(line)
        if match:
            found = match.group(1)
    return found


def is_typed_error(name: str | None, extra: Iterable[str] = ()) -> bool:
    """A recognisable SDK (or HTTP library) error class: anything but the generic language errors."""
    if not name:
        return False
    short = name.rsplit(".", 1)[-1]
    if short in set(extra):
        return True
    if name.startswith(("pydantic", "json.")):
        return False
    return short not in GENERIC_ERRORS


def _request_key(transcript: str) -> str:
    request = transcript.split("\n\n--- answer ---", 1)[0]
    first, _, rest = request.partition("\n")
    body = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
    return first + "\n" + body


def retries(run: ClientRun, status: int) -> list[dict]:
    """For each answer with ``status``: whether the same request came again, and after how long."""
    out = []
    exchanges = sorted(run.exchanges, key=lambda r: r.started)
    for i, ex in enumerate(exchanges):
        if ex.status != status:
            continue
        key = _request_key(ex.transcript)
        ended = ex.started + ex.duration
        again = next((r for r in exchanges[i + 1:] if _request_key(r.transcript) == key), None)
        out.append({"request": ex.name, "retried": again is not None,
                    "after_s": round(again.started - ended, 3) if again is not None else None,
                    "retry": again.name if again is not None else None})
    return out


@dataclass
class CaseResult:
    case: str
    outcome: str
    detail: str
    run: ClientRun
    stdout: str
    stderr: str
    client: str
    version: str
    retries: list[dict] = field(default_factory=list)

    @property
    def expected(self) -> bool:
        return self.outcome in EXPECTED[self.case]

    @property
    def server_violations(self) -> list[dict]:
        return [v for v in self.run.violations if v["party"] == "server"]

    @property
    def client_violations(self) -> list[dict]:
        return [v for v in self.run.violations if v["party"] == "client"]


def classify(case: str, run: ClientRun, stdout: str, stderr: str,
             typed: Iterable[str] = ()) -> tuple[str, str, list[dict]]:
    """(outcome, detail, retries) of one case's run (see the module docstring)."""
    seen: list[dict] = []
    if case == "rate-limit":
        seen = retries(run, 429)
    elif case == "unavailable":
        seen = retries(run, 503)
    if run.timed_out:
        return "hung", f"no exit within the timeout ({run.duration:.0f} s)", seen
    if run.returncode == 0:
        done = [r for r in seen if r["retried"]]
        if not done:
            if seen:
                return "completed", f"exit 0; {len(seen)} refused request(s) never sent again", seen
            if case == "mid-stream-error":
                return "completed", "exit 0 (the program handled the error event itself, or ignored it)", seen
            caught = _CAUGHT_LINE.search(stdout)
            if caught:
                name = caught.group(1)
                kind = "typed" if is_typed_error(name, typed) else "untyped"
                return "completed", f"exit 0; the SDK raised {name} ({kind}), the program carried on", seen
            return "completed", "exit 0", seen
        if case == "rate-limit":
            early = [r for r in done if r["after_s"] < RETRY_AFTER_S - 0.05]
            if early:
                return "retried-early", (f"retried after {min(r['after_s'] for r in early):.2f} s, sooner than "
                                         f"Retry-After: {RETRY_AFTER_S}"), seen
        delays = ", ".join(f"{r['after_s']:.2f} s" for r in done)
        return "retried", f"{len(done)} retr{'y' if len(done) == 1 else 'ies'} after {delays}", seen
    name = final_error(stderr)
    tail = next((line.strip() for line in reversed((stdout + "\n" + stderr).splitlines())
                 if line.strip() and not line.startswith(" ")), "")
    if run.returncode is not None and run.returncode < 0:
        return "crashed", f"killed by signal {-run.returncode}", seen
    if is_typed_error(name, typed):
        return "typed-error", f"exit {run.returncode}: {name}", seen
    if name:
        return "crashed", f"exit {run.returncode}: untyped {name}", seen
    return "crashed", f"exit {run.returncode} without a typed error: {tail[:160]}", seen


@dataclass
class RobustnessRun:
    command: list[str]
    revision: str
    api_version: str
    results: list[CaseResult]
    run_dir: Path | None = None
    started: str = ""

    @property
    def client(self) -> str:
        return next((f"{r.client} {r.version}".strip() for r in self.results if r.client), " ".join(self.command))

    @property
    def exit_code(self) -> int:
        return 1 if any(r.outcome in ("crashed", "hung") for r in self.results) else 0


def _tail(text: str) -> str:
    text = _CANARY.sub("<redacted>", text)
    return text if len(text) <= _TAIL else "... " + text[-_TAIL:]


class _QuietUpstreamBreaks(logging.Filter):
    """drop-and-resume cuts the mock's stream on purpose; the proxy passes the cut on and uvicorn logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "UpstreamBroke"


def run_robustness(command: Sequence[str], cases: Iterable[str] | None = None, *, revision: str | None = None,
                   api_version: str = "v1beta", timeout: float = DEFAULT_CASE_TIMEOUT,
                   report_dir: str | Path | None = "reports", env: Mapping[str, str] | None = None,
                   cwd: str | Path | None = None, schema: str | None = None, strictness=None,
                   mock_options: Mapping | None = None, typed_errors: Iterable[str] = (),
                   log: TextIO | None = None) -> RobustnessRun:
    """Run ``command`` once per case against the mock in that robustness mode; classify each run."""
    names = resolve_cases(cases)
    started = _now()
    log = log or sys.stderr
    typed = tuple(typed_errors)
    results: list[CaseResult] = []
    quiet = _QuietUpstreamBreaks()
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addFilter(quiet)
    try:
        for case in names:
            options = dict(mock_options or {})
            options["robustness"] = frozenset({case})
            child_env = {**(env or {}), "ICONF_ROBUSTNESS_CASE": case}
            with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
                print(f"iconf client: robustness case {case}", file=log, flush=True)
                run = run_client(command, upstream="mock", revision=revision, api_version=api_version,
                                 report_dir=None, timeout=timeout, schema=schema, strictness=strictness,
                                 env=child_env, cwd=cwd, mock_options=options, target_name=f"robustness-{case}",
                                 stdout=out, stderr=err, log=open_null())
                out.seek(0)
                err.seek(0)
                stdout, stderr = out.read(), err.read()
            outcome, detail, seen = classify(case, run, stdout, stderr, typed)
            ident = _CLIENT_LINE.search(stdout) or _CLIENT_LINE.search(stderr)
            client, version = (ident.group(1), ident.group(2)) if ident else (Path(command[-1]).name, "")
            results.append(CaseResult(case, outcome, detail, run, stdout, stderr, client, version, seen))
    finally:
        uvicorn_log.removeFilter(quiet)
    rev = results[0].run.revision if results else (revision or "")
    result = RobustnessRun(list(command), rev, api_version, results, started=started)
    if report_dir is not None:
        result.run_dir = write_robustness_report(result, report_dir)
    return result


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def open_null() -> TextIO:
    import io

    return io.StringIO()


def run_record(result: RobustnessRun):
    """The robustness run as a :class:`conformance.reports.RunRecord`: one scenario per case."""
    from .. import __version__
    from ..reports.model import RunRecord, ScenarioResult

    now = _now()
    scenarios, findings = [], []
    for r in result.results:
        rules = list(dict.fromkeys(rule for ex in r.run.exchanges for rule in ex.rules))
        lines = [f"client: {r.client} {r.version}".rstrip(), f"case: {r.case} ({CASES[r.case].effect})",
                 f"outcome: {r.outcome} ({r.detail}); expected: {' or '.join(EXPECTED[r.case])}",
                 f"command: {' '.join(result.command)} (exit {r.run.returncode}, {r.run.duration:.2f} s)",
                 "", "exchanges:"]
        lines += [f"  {ex.summary_line()}" for ex in r.run.exchanges]
        if r.server_violations:
            lines += ["", "server violations reported on a conforming case (checker findings):"]
            lines += [f"  {Violation.from_dict(v).format()}" for v in r.server_violations]
        lines += ["", "--- stdout ---", _tail(r.stdout), "--- stderr ---", _tail(r.stderr)]
        outcome = "passed" if r.expected else "failed"
        scenarios.append(ScenarioResult(
            nodeid=f"robustness::{r.client}::{r.case}", name=f"{r.case}: {r.outcome}", revision=r.run.revision,
            outcome=outcome, duration=round(r.run.duration, 3), rules=rules,
            violations=[dict(v) for v in r.run.violations], transcript="\n".join(lines), area="robustness"))
        findings.append({
            "source": "robustness", "check": r.case, "rule_id": None,
            "message": f"{r.client} {r.version}: {r.outcome} ({r.detail})".replace("  ", " "),
            "evidence": {"case": r.case, "client": r.client, "version": r.version, "outcome": r.outcome,
                         "expected": list(EXPECTED[r.case]), "as_expected": r.expected, "detail": r.detail,
                         "exit_code": r.run.returncode, "timed_out": r.run.timed_out,
                         "duration_s": round(r.run.duration, 3), "requests": len(r.run.exchanges),
                         "retries": r.retries, "server_violations": len(r.server_violations),
                         "client_violations": len(r.client_violations)},
        })
    return RunRecord(
        run_id=f"robustness-{now}", started=result.started or now, finished=now,
        target={"name": "client-robustness", "kind": "client", "base_url": "mock"},
        revisions=[result.revision] if result.revision else [], model=None, suite_version=__version__,
        options={"command": list(result.command), "cases": [r.case for r in result.results],
                 "api_version": result.api_version, "client": result.client},
        scenarios=scenarios, spent={"requests": sum(len(r.run.exchanges) for r in result.results)},
        extra_findings=findings)


def write_robustness_report(result: RobustnessRun, report_dir: str | Path) -> Path:
    from ..reports import write_report
    from ..reports.paths import new_run_dir
    from ..reports.redact import scrub_tree

    record = run_record(result)
    run_dir = new_run_dir(Path(report_dir), "client-robustness")
    record.run_id = run_dir.name
    write_report(record, run_dir)
    with contextlib.suppress(Exception):
        scrub_tree(run_dir, sorted(set(_CANARY.findall(result_text(result)))))
    return run_dir


def result_text(result: RobustnessRun) -> str:
    return "\n".join(r.stdout + r.stderr for r in result.results)


def report_robustness(result: RobustnessRun, out: TextIO | None = None) -> None:
    """The per-case table, then the verdict."""
    out = out or sys.stdout
    print(f"iconf client --robustness: {result.client} ({result.revision}, /{result.api_version})", file=out)
    width = max([len(c) for c in CASES] + [4])
    print(f"  {'case':<{width}}  {'outcome':<13} {'expected':<8} {'time':>6}  detail", file=out)
    for r in result.results:
        mark = "yes" if r.expected else "NO"
        flagged = f" [proxy flagged {len(r.server_violations)} server violation(s): " \
                  f"{', '.join(sorted({v['rule_id'] for v in r.server_violations}))}]" if r.server_violations else ""
        print(f"  {r.case:<{width}}  {r.outcome:<13} {mark:<8} {r.run.duration:>5.1f}s  {r.detail}{flagged}",
              file=out)
    bad = [r.case for r in result.results if r.outcome in ("crashed", "hung")]
    verdict = f"FAIL ({', '.join(bad)} crashed or hung)" if bad else "ok (no case crashed or hung)"
    print(f"iconf client --robustness: {verdict}", file=out)
    if result.run_dir is not None:
        print(f"iconf client: report in {result.run_dir}", file=out, flush=True)
