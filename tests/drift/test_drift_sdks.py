"""``iconf drift`` against the real SDK releases (slow: installs them from PyPI / npm once, into the SDK cache).

Skipped, with the installer's reason, when the registry cannot be reached or npm is missing.
"""

from __future__ import annotations

import json

import pytest

from conformance.cli import main
from conformance.drift.sdk_surface import SdkInstallError, read_description

pytestmark = pytest.mark.slow

SPECS = ("google-genai==3.6.1", "@google/genai@3.3.0")
_made: dict[str, object] = {}


def _description(spec: str) -> dict:
    if spec not in _made:
        try:
            _made[spec] = read_description(spec)
        except SdkInstallError as exc:
            _made[spec] = exc
    if isinstance(_made[spec], Exception):
        pytest.skip(f"cannot install or read {spec} (registry unreachable?): {_made[spec]}")
    return _made[spec]


@pytest.mark.parametrize("spec", SPECS)
def test_sdk_surface_is_read(spec):
    data = _description(spec)
    assert data["roots"]["resource"] and data["roots"]["events"] and len(data["roots"]["create"]) == 2
    assert len(data["$defs"]) > 50


@pytest.mark.parametrize("spec", SPECS)
def test_drift_runs_and_lists_items_with_their_place(spec, capsys):
    _description(spec)
    code = main(["drift", "--sdk", spec, "--format", "json"])
    report = json.loads(capsys.readouterr().out)[0]
    assert report["profile"] == "2026-05-20"
    # the 2026-05-20 profile is current with these releases: every SDK item is in it or allowed with a reason
    assert (code, report["missing"]) == (0, [])
    for entry in report["missing"] + report["extra"]:
        assert entry["item"] and entry["where"]
    # the SDKs' own convenience accessors are allowed, with the reason
    assert any(a["item"] == "field Interaction.output_text" for a in report["allowed"])
