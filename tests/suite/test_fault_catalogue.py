"""Every mock fault makes the suite fail, and the report names that fault's rule ID.

One `iconf run` per fault, restricted with --rules to the scenarios that
check the rule (so the scenario markers must be complete), both revisions.
This is the proof that each rule *catches* a violating target; the clean run
in test_suite_runs.py is the proof that it *passes* a conforming one.

Speed without weakening the proof: the faults are split into shards (xdist
spreads them over cores), and each shard is one Python process that calls
``iconf run`` once per fault in-process, so the interpreter, pytest and the
plugins are imported once per shard instead of once per fault (that start-up
was most of the old 214 s). Each run is still a fresh pytest session with its
own mock server, fault and report directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.rules import RULES

FAULTS = [r.id for r in RULES.faults()]
SHARDS = 4
ROOT = Path(__file__).resolve().parents[2]

#: runs in the shard process: one in-process `iconf run` per fault named on the command line
_DRIVER = r"""
import contextlib, io, json, sys
from conformance.cli import main
report_dir = sys.argv[1]
for rule_id in sys.argv[2:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(["run", "--target", "mock", "--revision", "all", "--mock-fault", rule_id, "--rules", rule_id,
                         "--report-dir", f"{report_dir}/{rule_id}", "--timeout", "20",
                         # the property and schemathesis scenarios have their own fault tests (test_properties_*)
                         "-k", "not properties and not schemathesis",
                         # gc.collect() x5 after every session costs ~1 s in a process that has run many
                         "--", "--maxfail=1", "-p", "no:unraisableexception"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception as exc:  # noqa: BLE001 - reported per fault, the next fault still runs
            print(f"driver: {type(exc).__name__}: {exc}", file=out)
            code = -2
    print(json.dumps({"rule": rule_id, "code": code, "output": out.getvalue()[-3000:]}), flush=True)
"""


def _run_shard(faults: list[str], report_dir: Path) -> dict[str, tuple[int, dict, str]]:
    try:
        proc = subprocess.run([sys.executable, "-c", _DRIVER, str(report_dir), *faults], capture_output=True,
                              text=True, timeout=60 + 30 * len(faults), cwd=ROOT)
    except subprocess.TimeoutExpired as exc:
        return {f: (-1, {}, f"shard timed out: {exc}") for f in faults}
    results: dict[str, tuple[int, dict, str]] = {}
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        summaries = sorted((report_dir / row["rule"]).glob("2*/summary.json"))
        summary = json.loads(summaries[-1].read_text()) if summaries else {}
        results[row["rule"]] = (row["code"], summary, row["output"])
    for f in faults:
        results.setdefault(f, (-1, {}, f"no result from the shard\n{proc.stderr[-2000:]}"))
    return results


def test_faults_are_split_over_the_shards():
    shards = [FAULTS[i::SHARDS] for i in range(SHARDS)]
    assert sorted(f for s in shards for f in s) == sorted(FAULTS) and len(FAULTS) >= SHARDS


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_fault_is_caught_with_its_rule_id(tmp_path, shard):
    faults = FAULTS[shard::SHARDS]
    problems = []
    for rule_id, (code, summary, output) in _run_shard(faults, tmp_path).items():
        level = RULES[rule_id].level
        cells = summary.get("rule_matrix", {}).get(rule_id, {})
        statuses = {rev: cell.get("status") for rev, cell in cells.items()}
        wanted = "failed" if level == "MUST" else "warned"
        if wanted not in statuses.values():
            problems.append(f"{rule_id}: not caught (statuses {statuses}, exit {code})\n{output[-800:]}")
        elif level == "MUST" and code != 1:
            problems.append(f"{rule_id}: caught but exit code {code}")
    assert not problems, "\n\n".join(problems)
