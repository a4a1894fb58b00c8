"""The shipped scenario scripts, run by real SDK releases through ``iconf client`` against the mock (slow).

The newest releases (google-genai 3.6.1, @google/genai 3.3.0) run every step, continuation included;
older ones skip what they lack (legacy 1.x: today's features and continuation) and must still pass.

Each SDK is installed once into ``.iconf-cache/sdk/`` and reused; when it
cannot be installed (offline, no npm) the case is skipped with the reason.
"""

from __future__ import annotations

import re

import pytest

from conformance.sdk import run_client
from conformance.sdk.envs import SdkInstallError, prepare

pytestmark = pytest.mark.slow

CASES = [
    # spec, revision served to headerless requests, API version, steps skipped (features the release lacks)
    ("google-genai==3.6.1", "2026-05-20", "v1", 0),
    ("google-genai==3.6.1", "2026-05-20", "v1beta", 0),
    ("@google/genai@3.3.0", "2026-05-20", "v1", 0),
    ("google-genai==3.4.0", "2026-05-20", "v1", 0),
    ("@google/genai@3.1.0", "2026-05-20", "v1", 0),
    ("google-genai==2.34.0", "2026-05-20", "v1beta", 2),  # has continuation, not the newer types
    ("@google/genai@2.32.0", "2026-05-20", "v1beta", 0),
    ("google-genai==1.75.0", "legacy", "v1beta", 4),
    ("@google/genai@1.52.0", "legacy", "v1beta", 4),
]
STEPS = 13  # the shipped scripts' steps: nine basic ones, today's request, newer steps, continuation x2


@pytest.fixture(scope="module")
def sdk_env():
    made: dict = {}

    def get(spec):
        if spec not in made:
            try:
                made[spec] = prepare(spec)
            except SdkInstallError as exc:
                made[spec] = exc
        if isinstance(made[spec], SdkInstallError):
            pytest.skip(f"cannot install {spec}: {made[spec]}")
        return made[spec]

    return get


@pytest.mark.parametrize("spec,revision,api_version,skipped", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_sdk_script_conforms(sdk_env, tmp_path, spec, revision, api_version, skipped):
    env = sdk_env(spec)
    out = tmp_path / "output.txt"
    with open(out, "w") as fh:
        result = run_client(env.command, env=env.env, revision=revision, api_version=api_version,
                            report_dir=tmp_path / "reports", timeout=150, stdout=fh, stderr=fh)
    output = out.read_text()
    problems = [f"{v['party']} {v['rule_id']}: {v['message']} ({v['exchange']})" for v in result.violations]
    assert result.returncode == 0, f"{spec} script failed:\n{output}\n" + "\n".join(problems)
    match = re.search(r"^(\d+)/(\d+) steps passed(?: \((\d+) skipped\))?$", output, re.MULTILINE)
    assert match and match.group(1) == match.group(2), output
    ran, left_out = int(match.group(2)), int(match.group(3) or 0)
    assert ran + left_out == STEPS, output
    if skipped is not None:  # None: the release decides (feature detection), both ways are fine
        assert left_out == skipped, output
    assert result.violations == [], "\n".join(problems)
    assert result.exit_code == 0
    paths = {r.path.split("/interactions")[0] for r in result.exchanges}
    assert paths == {f"/{api_version}"}
    assert {r.revision for r in result.exchanges} == {revision}
    for path in result.run_dir.rglob("*"):
        if path.is_file():
            assert "iconf-canary-" not in path.read_text(errors="replace"), path
