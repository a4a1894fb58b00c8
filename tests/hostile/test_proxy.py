"""The validating proxy in front of an upstream that never answers: a could-not-judge verdict, never "ok, exit 0"."""

from __future__ import annotations

import io

import httpx

from conformance.proxy import ProxyServer
from conformance.proxy.cli import print_summary

from .server import HostileServer


def test_an_upstream_that_never_answers_is_not_a_pass(tmp_path):
    with HostileServer("hang") as upstream:
        proxy = ProxyServer(upstream.base_url, report_dir=tmp_path, timeout=1.0).start()
        try:
            with httpx.Client(base_url=proxy.base_url, timeout=10, headers={"x-goog-api-key": "k"}) as client:
                answer = client.post("/v1beta/interactions", json={"model": "m", "input": "hi"})
            assert answer.status_code == 502
            recorder = proxy.recorder
            for _ in range(50):  # the exchange is closed as the 502 goes out
                if recorder.exchanges():
                    break
                __import__("time").sleep(0.05)
            record = recorder.exchanges()[0]
            assert "could not judge" in record.summary_line()
            assert recorder.unjudged() == 1 and recorder.exit_code() == 1
            out = io.StringIO()
            print_summary(recorder, None, out=out)
            assert "COULD NOT JUDGE" in out.getvalue() and ": ok" not in out.getvalue()
            assert recorder.run_record().exit_code() == 1
        finally:
            proxy.stop()
