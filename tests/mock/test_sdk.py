"""Real SDK proof: google-genai 1.x (legacy) and 3.x (2026-05-20) drive the mock over loopback.

Each SDK gets its own venv under the cache dir (``$ICONF_CACHE_DIR`` or
``.iconf-cache/``), reused between runs; when pip cannot install it (offline,
no index) the test is skipped with pip's reason. The driver scripts in
``sdk/`` exercise create, stream, background + poll, get, resume, cancel,
delete, previous_interaction_id and a function-calling round trip.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.mock import MockConfig, MockServer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: newest 1.x with client.interactions (legacy revision, no Api-Revision header) and the 3.x line
SDKS = {
    "1.75.0": {"script": "drive_v1.py", "config": {"default_revision": "legacy"}, "versions": ("v1beta",)},
    "3.4.0": {"script": "drive_v3.py", "config": {}, "versions": ("v1beta", "v1")},
}


def _cache() -> Path:
    return Path(os.environ.get("ICONF_CACHE_DIR") or ROOT / ".iconf-cache") / "venvs"


def _sdk_python(version: str) -> Path:
    venv = _cache() / f"google-genai-{version}"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    probe = [str(python), "-c", "import google.genai as g, sys; sys.exit(g.__version__ != sys.argv[1])", version]
    if python.exists() and subprocess.run(probe, capture_output=True, timeout=120).returncode == 0:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", f"google-genai=={version}"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            pytest.skip(f"cannot install google-genai=={version} into {venv}: {' | '.join(tail)}")
    if subprocess.run(probe, capture_output=True, timeout=120).returncode != 0:
        pytest.skip(f"google-genai=={version} installed but does not import")
    return python


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(SDKS))
def test_sdk_drives_the_mock(version):
    spec = SDKS[version]
    python = _sdk_python(version)
    with MockServer(MockConfig(background_delay_s=0.2, **spec["config"])) as server:
        for api_version in spec["versions"]:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "GEMINI_"))}
            done = subprocess.run([str(python), str(HERE / "sdk" / spec["script"]), server.base_url, api_version],
                                  capture_output=True, text=True, timeout=300, env=env)
            assert done.returncode == 0 and "ALL OK" in done.stdout, (
                f"google-genai {version} on /{api_version}:\n{done.stdout}\n{done.stderr[-3000:]}")
