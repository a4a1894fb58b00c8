"""The real transport: MockServer on a loopback port, and the command line."""

import argparse
import json
import subprocess
import sys

import httpx
import pytest

from conformance.mock import FAULTS, MockConfig, MockServer
from conformance.mock.cli import config_from_args, register

from .helpers import MODEL, assemble, parse_sse


def test_mock_server_on_loopback():
    config = MockConfig(api_key="k", background_delay_s=0.1, base_path="/p")
    with MockServer(config) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/p")
        headers = {"x-goog-api-key": "k", "Api-Revision": "2026-05-20"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
            assert http.post("/v1beta/interactions", json={"model": MODEL, "input": "x"},
                             headers={"x-goog-api-key": ""}).status_code == 401
            created = http.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}).json()
            assert http.get(f"/v1beta/interactions/{created['id']}").json()["id"] == created["id"]
            # a live background stream: frames arrive incrementally over the socket
            bg = http.post("/v1/interactions", json={"model": MODEL, "input": "bg [iconf: thought]",
                                                      "background": True}).json()
            with http.stream("GET", f"/v1/interactions/{bg['id']}", params={"stream": "true"}) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                text = "".join(response.iter_text())
            frames = parse_sse(text)
            assert frames[0][0] == "interaction.created" and frames[-1][0] == "interaction.completed"
            from conformance.profiles import get_profile

            stored = http.get(f"/v1/interactions/{bg['id']}").json()
            assert assemble(frames, get_profile("2026-05-20")) == stored["steps"][1:]
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/v1beta/interactions/x", timeout=1)


def _parser():
    parser = argparse.ArgumentParser(prog="iconf")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_register_adds_the_mock_subcommand():
    args = _parser().parse_args(["mock", "--port", "0", "--api-key", "k", "--fault", "stream.content-type",
                                 "--fault", "usage.totals.add-up", "--latency", "5", "--revision", "legacy",
                                 "--background-delay", "0.2", "--base-path", "x"])
    config = config_from_args(args)
    assert args.func.__name__ == "run"
    assert config == MockConfig(api_key="k", faults=frozenset({"stream.content-type", "usage.totals.add-up"}),
                                latency_ms=5, default_revision="legacy", background_delay_s=0.2, base_path="/x")


def test_unknown_fault_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["mock", "--fault", "no.such.rule"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no.such.rule" in err and "stream.content-type" in err and "Traceback" not in err


def test_list_faults_via_python_m():
    done = subprocess.run([sys.executable, "-m", "conformance.mock", "--list-faults"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(FAULTS) and all(line.split()[0] in FAULTS for line in lines)
    bad = subprocess.run([sys.executable, "-m", "conformance.mock", "--fault", "bogus.rule"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "bogus.rule" in bad.stderr and "Traceback" not in bad.stderr


def test_latency(make_client):
    import time

    c = make_client("2026-05-20", latency_ms=100)
    t0 = time.monotonic()
    c.create("x")
    assert time.monotonic() - t0 >= 0.1
    assert json.dumps(c.create("y"))


def test_error_code_option(capsys):
    assert config_from_args(_parser().parse_args(["mock"])).error_code == "string"
    assert config_from_args(_parser().parse_args(["mock", "--error-code", "integer"])).error_code == "integer"
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["mock", "--error-code", "float"])
    assert exc.value.code == 2 and "--error-code" in capsys.readouterr().err
