"""``--legacy retired``: the mock plays the live API, which answers a legacy request with the documented 400."""

import argparse
import subprocess
import sys

import pytest

from conformance.checks import legacy_retired
from conformance.mock import MockConfig
from conformance.mock.cli import config_from_args, register
from conformance.targets import open_target

from .helpers import MODEL

RETIRED = "The legacy Interactions API schema is no longer supported."


def _parser():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser


def test_legacy_is_served_by_default(make_client):
    answer = make_client("legacy").post("/v1beta/interactions", json={"model": MODEL, "input": "x"})
    assert answer.status_code == 200 and "outputs" in answer.json()
    assert legacy_retired(answer.status_code, answer.json())  # a server that still serves legacy breaks the rule


def test_retired_legacy_gets_the_documented_400_on_every_endpoint(make_client):
    steps = make_client("2026-05-20", legacy="retired")
    made = steps.create("x")  # the current revision is served as ever
    legacy = make_client("legacy", legacy="retired")
    answers = [legacy.post("/v1beta/interactions", json={"model": MODEL, "input": "x"}),
               legacy.post("/v1/interactions", json={"model": MODEL, "input": "x", "stream": True}),
               legacy.get(f"/v1beta/interactions/{made['id']}"),
               legacy.post(f"/v1beta/interactions/{made['id']}/cancel"),
               legacy.delete(f"/v1beta/interactions/{made['id']}")]
    for answer in answers:
        assert answer.status_code == 400
        assert answer.json() == {"error": {"code": "invalid_request", "message": RETIRED}}
        assert legacy_retired(answer.status_code, answer.json()) == []
    assert steps.fetch(made["id"]).status_code == 200  # the DELETE under legacy was refused, not done


def test_retired_legacy_in_the_integer_envelope(make_client):
    answer = make_client("legacy", legacy="retired", error_code="integer").post(
        "/v1beta/interactions", json={"model": MODEL, "input": "x"})
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": 400, "message": RETIRED, "status": "INVALID_ARGUMENT"}}


def test_retired_legacy_still_checks_the_key_first(make_client):
    answer = make_client("legacy", legacy="retired", api_key="k").post(
        "/v1beta/interactions", json={"model": MODEL, "input": "x"})
    assert answer.status_code == 401


def test_an_unknown_revision_lists_only_the_served_ones(make_client):
    answer = make_client(legacy="retired").post("/v1beta/interactions", json={"model": MODEL, "input": "x"},
                                                headers={"Api-Revision": "2027-01-01"})
    message = answer.json()["error"]["message"]
    assert answer.status_code == 400 and "Api-Revision" in message
    assert "2026-05-20" in message and "2026-05-07" not in message


def test_bad_legacy_settings_are_refused():
    with pytest.raises(ValueError, match="legacy must be one of served, retired"):
        MockConfig(legacy="gone")
    with pytest.raises(ValueError, match="default_revision legacy"):
        MockConfig(legacy="retired", default_revision="legacy")


def test_the_fault_implies_retirement():
    assert not MockConfig().legacy_retired
    assert MockConfig(legacy="retired").legacy_retired
    assert MockConfig(faults=frozenset({"revision.legacy.retired"})).legacy_retired


def test_legacy_option(capsys):
    assert config_from_args(_parser().parse_args(["mock"])).legacy == "served"
    assert config_from_args(_parser().parse_args(["mock", "--legacy", "retired"])).legacy == "retired"
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["mock", "--legacy", "gone"])
    assert exc.value.code == 2 and "--legacy" in capsys.readouterr().err


def test_retired_with_a_legacy_default_is_one_line_exit_2():
    proc = subprocess.run([sys.executable, "-m", "conformance", "mock", "--legacy", "retired", "--revision", "legacy",
                           "--port", "0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "legacy" in proc.stderr


@pytest.mark.parametrize(("kwargs", "has_legacy"), [
    ({}, True),
    ({"mock_legacy": "retired"}, False),
    ({"mock_faults": ["revision.legacy.retired"]}, False),
])
def test_the_mock_target_is_judged_without_legacy_when_it_retires_it(kwargs, has_legacy):
    with open_target("mock", **kwargs) as target:
        assert ("legacy" in target.capabilities) is has_legacy
