"""Real SDK proof: unmodified google-genai 1.x (legacy) and 3.x (2026-05-20) drive the mock over loopback.

The SDKs are installed once into their own environments (conformance.sdk.envs,
cached under ``.iconf-cache/``; skipped with the installer's reason when the
package index cannot be reached) and run the shipped scenario script
(``conformance/sdk/scripts/python_genai.py``) straight against the mock — no
proxy in between, so this is the mock's proof; tests/sdk runs the same
script behind the validating proxy. The script covers create, stream,
background + poll, get, stream resume, cancel, delete, previous_interaction_id
and a function-calling round trip, and checks what the SDK returned against
the raw HTTP answer.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from conformance.mock import MockConfig, MockServer
from conformance.sdk.envs import SdkInstallError, prepare

#: newest 1.x with client.interactions (sends no Api-Revision header: served legacy), the newest 2.x and the
#: 3.x line up to 3.6.1 (sends no Api-Revision header either: served the default, 2026-05-20)
SDKS = {
    "1.75.0": {"config": {"default_revision": "legacy"}, "versions": ("v1beta",)},
    "2.34.0": {"config": {}, "versions": ("v1beta",)},
    "3.4.0": {"config": {}, "versions": ("v1",)},
    "3.6.1": {"config": {}, "versions": ("v1beta", "v1")},
}
KEY = "iconf-mock-sdk-proof"


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(SDKS))
def test_sdk_drives_the_mock(version):
    spec = SDKS[version]
    try:
        sdk = prepare(f"google-genai=={version}")
    except SdkInstallError as exc:
        pytest.skip(f"cannot install google-genai=={version}: {exc}")
    with MockServer(MockConfig(api_key=KEY, background_delay_s=0.2, **spec["config"])) as server:
        for api_version in spec["versions"]:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "GEMINI_"))}
            env.update(sdk.env, GOOGLE_GEMINI_BASE_URL=server.base_url, GEMINI_API_KEY=KEY,
                       GOOGLE_GENAI_API_VERSION=api_version)
            done = subprocess.run(sdk.command, capture_output=True, text=True, timeout=300, env=env)
            assert done.returncode == 0, (
                f"google-genai {version} on /{api_version}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
