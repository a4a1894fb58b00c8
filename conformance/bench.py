"""Benchmarks (`nox -s bench`, `python -m conformance.bench`): numbers printed and written, never asserted.

* stream validation: events/s and peak memory of the StreamChecker on a
  generated stream (100 MB by default), side by side with a bare parse of
  the same bytes (split frames + orjson.loads), and peak memory on a stream a
  tenth the size to show it stays flat;
* mock server: create+get requests/s and streaming events/s on loopback,
  side by side with a bare Starlette JSON endpoint in the same run, and 200
  concurrent streams.

Each measurement runs in its own subprocess so its peak RSS is its own.
Results go to stdout and to ``reports/bench/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

CHUNK = 64 * 1024


def generate_stream(path: Path, target_bytes: int, revision: str = "2026-05-20") -> int:
    """Write a conforming stream of about ``target_bytes``; returns the number of events."""
    from .profiles import get_profile

    g = get_profile(revision).grammar
    step = revision != "legacy"
    events = 0
    with path.open("wb") as out:
        def emit(event: dict) -> int:
            nonlocal events
            events += 1
            data = orjson.dumps(event)
            return out.write(b"event: " + event["event_type"].encode() + b"\ndata: " + data + b"\n\n")

        written = emit({"event_type": g.created, "event_id": "e0",
                        "interaction": {"id": "v1_bench", "status": "in_progress", "object": "interaction",
                                        "model": "gemini-3-flash-preview"}})
        written += emit({"event_type": g.status_update, "interaction_id": "v1_bench", "status": "in_progress"})
        index, n = 0, 0
        piece = "The quick brown fox jumps over the lazy dog. " * 2
        while written < target_bytes:
            written += emit({"event_type": g.block_start, "index": index,
                             g.block_field: {"type": "model_output" if step else "text"}})
            for _ in range(5000):
                n += 1
                written += emit({"event_type": g.block_delta, "index": index, "event_id": f"e{n}",
                                 "delta": {"type": "text", "text": piece}})
            written += emit({"event_type": g.block_stop, "index": index})
            index += 1
        emit({"event_type": g.status_update, "interaction_id": "v1_bench", "status": "completed"})
        emit({"event_type": g.completed, "interaction": {
            "id": "v1_bench", "status": "completed", "object": "interaction", "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:01Z", "usage": {"total_tokens": 2, "total_input_tokens": 1,
                                                         "total_output_tokens": 1}}})
    return events


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _measure_bare(path: Path) -> dict:
    """The floor: split frames and orjson.loads every data line, keeping nothing."""
    start, cpu = time.perf_counter(), time.process_time()
    events = 0
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            buf = tail + chunk
            frames = buf.split(b"\n\n")
            tail = frames.pop()
            for frame in frames:
                for line in frame.split(b"\n"):
                    if line.startswith(b"data: "):
                        orjson.loads(line[6:])
                        events += 1
    return {"events": events, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def _measure_checker(path: Path, revision: str) -> dict:
    from .checks import StreamChecker
    from .profiles import get_profile
    from .schema import SchemaSet

    checker = StreamChecker(SchemaSet(get_profile(revision)), keep_items=False)
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            checker.feed(chunk)
    result = checker.finish()
    return {"events": result.events, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu, "violations": len(result.violations)}


def _child(kind: str, path: str, revision: str) -> None:
    p = Path(path)
    out = _measure_bare(p) if kind == "bare" else _measure_checker(p, revision)
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _run_child(kind: str, path: Path, revision: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "conformance.bench", "--child", kind, str(path), revision],
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_stream(size_mb: int, revision: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.sse", Path(tmp) / "small.sse"
        events = generate_stream(big, size_mb * 1024 * 1024, revision)
        generate_stream(small, max(1, size_mb // 10) * 1024 * 1024, revision)
        bare = _run_child("bare", big, revision)
        checked = _run_child("check", big, revision)
        checked_small = _run_child("check", small, revision)
    return {
        "stream_mb": size_mb, "revision": revision, "events": events,
        # CPU time is the headline: wall time on a shared 2-core machine mostly measures the neighbours
        "checker_events_per_cpu_s": round(checked["events"] / checked["cpu_seconds"]),
        "bare_parse_events_per_cpu_s": round(bare["events"] / bare["cpu_seconds"]),
        "checker_vs_bare_slowdown_cpu": round(checked["cpu_seconds"] / bare["cpu_seconds"], 2),
        "checker_events_per_wall_s": round(checked["events"] / checked["seconds"]),
        "bare_parse_events_per_wall_s": round(bare["events"] / bare["seconds"]),
        "checker_peak_rss_mb": round(checked["peak_rss_mb"], 1),
        "checker_peak_rss_mb_at_tenth_size": round(checked_small["peak_rss_mb"], 1),
        "bare_peak_rss_mb": round(bare["peak_rss_mb"], 1),
        "violations": checked["violations"],
        "targets": {"events_per_s": 200_000, "max_slowdown": 3.0},
    }


# --- the mock server -------------------------------------------------------------------------------


def _bare_app():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def create(request):
        await request.body()
        return JSONResponse({"id": "v1_bare", "status": "completed", "object": "interaction"})

    async def get(request):
        return JSONResponse({"id": request.path_params["iid"], "status": "completed", "object": "interaction"})

    return Starlette(routes=[Route("/v1beta/interactions", create, methods=["POST"]),
                             Route("/v1beta/interactions/{iid}", get, methods=["GET"])])


async def _create_get_loop(base: str, seconds: float, concurrency: int, headers: dict) -> dict:
    import httpx

    done = errors = 0
    deadline = time.perf_counter() + seconds
    body = {"model": "gemini-3-flash-preview", "input": "Hello."}
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as c:
        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                r = await c.post("/v1beta/interactions", json=body, headers=headers)
                if r.status_code != 200:
                    errors += 1
                    continue
                g = await c.get(f"/v1beta/interactions/{r.json()['id']}", headers=headers)
                done += 1 if g.status_code == 200 else 0
                errors += 0 if g.status_code == 200 else 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"create_get_pairs_per_s": round(done / elapsed, 1), "errors": errors}


async def _streams(base: str, count: int, headers: dict) -> dict:
    import httpx

    body = {"model": "gemini-3-flash-preview", "input": "[iconf: thought, chunks=20] Stream a story.", "stream": True}
    events = errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=count)) as c:
        async def one() -> None:
            nonlocal events, errors
            try:
                async with c.stream("POST", "/v1beta/interactions", json=body, headers=headers) as r:
                    if r.status_code != 200:
                        errors += 1
                        return
                    async for line in r.aiter_lines():
                        if line.startswith("data:"):
                            events += 1
            except Exception:  # noqa: BLE001 - counted, not raised: the benchmark reports errors
                errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - start
    return {"streams": count, "stream_events_per_s": round(events / elapsed), "stream_errors": errors,
            "events": events}


def _bench_mock(seconds: float) -> dict:
    from ._threaded import ThreadedServer
    from .mock import MockConfig, MockServer

    headers = {"Content-Type": "application/json"}
    results: dict = {}
    with MockServer(MockConfig()) as server:
        results["mock"] = asyncio.run(_create_get_loop(server.base_url, seconds, 8, headers))
        results["mock_streams_200"] = asyncio.run(_streams(server.base_url, 200, headers))
    # the same threaded loopback server as the mock, so the comparison is of the apps alone
    with ThreadedServer(_bare_app(), lifespan="off") as bare:
        results["bare_starlette"] = asyncio.run(_create_get_loop(bare.base_url, seconds, 8, headers))
    mock_rps = results["mock"]["create_get_pairs_per_s"]
    bare_rps = results["bare_starlette"]["create_get_pairs_per_s"] or 1
    results["mock_vs_bare_ratio"] = round(mock_rps / bare_rps, 3)
    results["targets"] = {"mock_vs_bare_ratio": 0.7, "streams_without_error": 200}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream-mb", type=int, default=100, help="size of the generated stream (default 100)")
    parser.add_argument("--revision", default="2026-05-20")
    parser.add_argument("--mock-seconds", type=float, default=5.0, help="duration of each throughput run")
    parser.add_argument("--only", choices=["stream", "mock"], default=None)
    parser.add_argument("--out", default="reports/bench", help="directory for the JSON results")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    results: dict = {"when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                     "python": sys.version.split()[0], "cpus": os.cpu_count()}
    if args.only in (None, "stream"):
        results["stream_validation"] = bench_stream(args.stream_mb, args.revision)
        print(json.dumps({"stream_validation": results["stream_validation"]}, indent=2))
    if args.only in (None, "mock"):
        results["mock_server"] = _bench_mock(args.mock_seconds)
        print(json.dumps({"mock_server": results["mock_server"]}, indent=2))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{_dt.datetime.now(_dt.timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
