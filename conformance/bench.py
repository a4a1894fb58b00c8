"""Benchmarks (`nox -s bench`, `python -m conformance.bench`): numbers printed and written, never asserted.

One table, each figure next to its target, its anchor (what it is measured
against, in the same run) and whether the target is met:

* stream validation: events/s of the StreamChecker on a generated stream
  (100 MB by default) against a bare parse of the same bytes (split frames +
  orjson.loads), by CPU time, best of ``--repeat`` runs taken alternately;
  peak memory on that stream and on one a tenth the size (flat means the
  same); plain ``jsonschema`` validating the same events one by one; and
  where the checker's time goes (cProfile of one run, by module);
* mock server: create+get requests/s and streaming events/s on loopback,
  against a bare Starlette JSON endpoint in the same run, and 200 concurrent
  streams;
* the full offline run (``iconf run --revision all``: cassettes replayed,
  then the mock) serially and with ``-n 2`` (pytest-xdist).

Each stream measurement runs in its own subprocess so its peak RSS is its
own. Results go to stdout and to ``reports/bench/<timestamp>.json`` and
``.md``. On a shared machine compare the ratios, not the absolute figures:
both sides of each ratio are measured in the same run, interleaved.
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


def _measure_checker(path: Path, revision: str, profiler=None) -> dict:
    from .checks import StreamChecker
    from .profiles import get_profile
    from .schema import SchemaSet

    checker = StreamChecker(SchemaSet(get_profile(revision)), keep_items=False)
    if profiler is not None:
        profiler.enable()
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            checker.feed(chunk)
    result = checker.finish()
    if profiler is not None:
        profiler.disable()
    return {"events": result.events, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu, "violations": len(result.violations)}


def _measure_jsonschema(path: Path, revision: str, limit: int = 3000) -> dict:
    """The naive anchor: the reference ``jsonschema`` library validating each event against its event schema
    (the same events as the checker, the first ``limit`` of them: it is far too slow for all)."""
    import jsonschema

    from .profiles import get_profile
    from .schema import SchemaSet
    from .sse import SSEParser

    schemas = SchemaSet(get_profile(revision))
    grammar = schemas.profile.grammar
    doc = {"components": {"schemas": {name: schemas.component(name) for name in schemas._schemas}}}
    validators = {et: jsonschema.Draft202012Validator({**doc, "$ref": f"#/components/schemas/{component}"})
                  for et, component in grammar.event_components.items()}
    parser = SSEParser()
    frames = []
    with path.open("rb") as f:
        while len(frames) < limit and (chunk := f.read(CHUNK)):
            frames += parser.feed(chunk)
    frames = frames[:limit]
    start, cpu = time.perf_counter(), time.process_time()
    invalid = 0
    for frame in frames:
        event = orjson.loads(frame.data)
        if not validators[event["event_type"]].is_valid(event):
            invalid += 1
    return {"events": len(frames), "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu, "invalid": invalid}


#: where the checker's time goes: cProfile's own-time grouped by these module paths (first match wins)
_PROFILE_GROUPS = (
    ("SSE framing (conformance/sse.py)", "conformance/sse.py"),
    ("JSON parse (orjson.loads)", "orjson"),
    ("schema validation (jsonschema-rs)", "jsonschema_rs"),
    ("block assembly (checks/assembly.py)", "checks/assembly.py"),
    ("grammar, ids, batching (checks/stream.py)", "checks/stream.py"),
)


def _profile_checker(path: Path, revision: str) -> dict:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    _measure_checker(path, revision, profiler)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    groups: dict[str, float] = {name: 0.0 for name, _ in _PROFILE_GROUPS}
    other = "other (file reads, joins, list and set built-ins)"
    groups[other] = 0.0
    def group_of(filename: str, func: str) -> str | None:
        where = f"{filename}:{func}"
        return next((name for name, needle in _PROFILE_GROUPS if needle in where), None)

    for (filename, _line, func), (_cc, _nc, tottime, _ct, callers) in stats.items():
        if "cProfile" in filename or "disable" in func:
            continue
        name = group_of(filename, func)
        if name is None and filename == "~" and callers:
            # a built-in (bytes.find, str.join, ...): charged to the part of the checker that called it most
            caller = max(callers.items(), key=lambda kv: kv[1][2])[0]
            name = group_of(caller[0], caller[2])
        groups[name or other] += tottime
    total = sum(groups.values()) or 1.0
    return {name: round(100 * t / total, 1) for name, t in sorted(groups.items(), key=lambda kv: -kv[1])}


def _child(kind: str, path: str, revision: str) -> None:
    p = Path(path)
    if kind == "profile":
        print(json.dumps(_profile_checker(p, revision)))
        return
    measure = {"bare": _measure_bare, "jsonschema": lambda p: _measure_jsonschema(p, revision),
               "check": lambda p: _measure_checker(p, revision)}[kind]
    out = measure(p)
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _run_child(kind: str, path: Path, revision: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "conformance.bench", "--child", kind, str(path), revision],
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_stream(size_mb: int, revision: str, repeat: int = 3) -> dict:
    """Bare parse and checker alternately, ``repeat`` times each, on the same file; the best CPU time of each."""
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.sse", Path(tmp) / "small.sse"
        events = generate_stream(big, size_mb * 1024 * 1024, revision)
        generate_stream(small, max(1, size_mb // 10) * 1024 * 1024, revision)
        bares, checks = [], []
        for _ in range(max(1, repeat)):
            bares.append(_run_child("bare", big, revision))
            checks.append(_run_child("check", big, revision))
        checked_small = _run_child("check", small, revision)
        plain = _run_child("jsonschema", big, revision)
        where = _run_child("profile", small, revision)
    bare = min(bares, key=lambda r: r["cpu_seconds"])
    checked = min(checks, key=lambda r: r["cpu_seconds"])
    checker_eps = checked["events"] / checked["cpu_seconds"]
    bare_eps = bare["events"] / bare["cpu_seconds"]
    plain_eps = plain["events"] / max(plain["cpu_seconds"], 1e-9)
    return {
        "stream_mb": size_mb, "revision": revision, "events": events, "repeat": repeat,
        # CPU time is the headline: wall time on a shared 2-core machine mostly measures the neighbours
        "checker_events_per_cpu_s": round(checker_eps),
        "bare_parse_events_per_cpu_s": round(bare_eps),
        "checker_vs_bare": round(checker_eps / bare_eps, 3),
        "checker_events_per_wall_s": round(checked["events"] / checked["seconds"]),
        "bare_parse_events_per_wall_s": round(bare["events"] / bare["seconds"]),
        "jsonschema_events_per_cpu_s": round(plain_eps),
        "jsonschema_events_measured": plain["events"],
        "checker_vs_jsonschema": round(checker_eps / plain_eps, 1),
        "checker_peak_rss_mb": round(checked["peak_rss_mb"], 1),
        "checker_peak_rss_mb_at_tenth_size": round(checked_small["peak_rss_mb"], 1),
        "bare_peak_rss_mb": round(bare["peak_rss_mb"], 1),
        "violations": checked["violations"],
        "where_the_time_goes_pct": where,
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
    from .mock import MockConfig, MockServer
    from .threaded import ThreadedServer

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


# --- the full offline run ---------------------------------------------------------------------------


def bench_offline_run(workers: int, timeout: float = 1800) -> dict:
    """Wall time of ``iconf run --revision all`` (replay, then the mock) serially and with ``-n workers``,
    one after the other in this run, from the repository root (where the cassettes are)."""
    root = Path(__file__).resolve().parents[1]
    out: dict = {"workers": workers}
    for label, extra in (("serial", []), (f"n{workers}", ["-n", str(workers)])):
        cmd = [sys.executable, "-m", "conformance", "run", "--revision", "all", "--no-report", *extra]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        code, peak = _wait_with_rusage(proc, timeout)
        if code is None:
            out[f"{label}_seconds"], out[f"{label}_exit"] = None, "timeout"
            continue
        out[f"{label}_seconds"] = round(time.perf_counter() - start, 1)
        out[f"{label}_exit"] = code
        out[f"{label}_peak_rss_mb"] = peak
    return out


def _wait_with_rusage(proc: subprocess.Popen, timeout: float) -> tuple[int | None, float | None]:
    """Exit code (None after a timeout kill) and peak RSS in MB of this one child (None where unknown)."""
    if not hasattr(os, "wait4"):  # Windows: no per-child rusage
        try:
            return proc.wait(timeout), None
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, None
    import threading

    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = round(usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
    return (None if killed.is_set() else proc.returncode), peak


# --- the table -------------------------------------------------------------------------------------


def _row(figure: str, value, target: str, met, anchor: str) -> dict:
    return {"figure": figure, "value": value, "target": target, "met": met, "anchor": anchor}


def table(results: dict) -> list[dict]:
    """Every figure next to its target, its anchor and whether it is met (None: not measured)."""
    rows: list[dict] = []
    sv = results.get("stream_validation")
    if sv:
        rows.append(_row("stream checker, events/s (CPU)", sv["checker_events_per_cpu_s"], ">= 0.50 x bare",
                         sv["checker_vs_bare"] >= 0.50,
                         f"bare split + orjson.loads of the same {sv['stream_mb']} MB: {sv['bare_parse_events_per_cpu_s']}/s"))
        rows.append(_row("stream checker / bare parse", sv["checker_vs_bare"], ">= 0.50", sv["checker_vs_bare"] >= 0.50,
                         f"best of {sv['repeat']} alternating runs each, same file"))
        growth = round(sv["checker_peak_rss_mb"] - sv["checker_peak_rss_mb_at_tenth_size"], 1)
        rows.append(_row(f"checker peak RSS, {sv['stream_mb']} MB stream (MB)", sv["checker_peak_rss_mb"],
                         "flat: <= +16 MB over a tenth-size stream", growth <= 16,
                         f"{sv['checker_peak_rss_mb_at_tenth_size']} MB at {max(1, sv['stream_mb'] // 10)} MB "
                         f"(+{growth}); bare parse {sv['bare_peak_rss_mb']} MB"))
        rows.append(_row("stream checker / plain jsonschema", sv["checker_vs_jsonschema"], ">= 10", sv["checker_vs_jsonschema"] >= 10,
                         f"jsonschema {sv['jsonschema_events_per_cpu_s']}/s on the first {sv['jsonschema_events_measured']} of the same events"))
    ms = results.get("mock_server")
    if ms:
        ratio = ms.get("mock_vs_bare_ratio")
        want = ms.get("targets", {}).get("mock_vs_bare_ratio", 0.7)
        rows.append(_row("mock create+get pairs/s (httpx client)", ms.get("mock", {}).get("create_get_pairs_per_s"),
                         "- (the Python client is the bottleneck: see the wrk rows)", None,
                         f"bare Starlette on the same threaded server: "
                         f"{ms.get('bare_starlette', {}).get('create_get_pairs_per_s')}/s (ratio {ratio}, target {want})"))
        streams = ms.get("mock_streams_200", {})
        ok = streams.get("streams", 0) - streams.get("stream_errors", 0)
        rows.append(_row("mock, 200 concurrent streams without error", ok, "200", ok >= 200,
                         f"{streams.get('stream_events_per_s')} events/s"))
        rows.append(_row("mock streaming events/s, 200 concurrent streams", streams.get("stream_events_per_s"), "-",
                         None, f"{streams.get('events')} events in {streams.get('streams')} streams (httpx client)"))
    wrk = results.get("mock_create_wrk")
    if wrk and "skipped" in wrk:
        rows.append(_row("mock stored creates/s (wrk)", "skipped", ">= 0.70 x bare Starlette", None, wrk["skipped"]))
    elif wrk:
        ratio, want = wrk["mock_vs_bare_ratio"], wrk["targets"]["mock_vs_bare_ratio"]
        rows.append(_row("mock stored creates/s (wrk)", wrk["mock_creates_per_s"], f">= {want} x bare Starlette",
                         ratio >= want, f"bare Starlette (parse + build + keep + serialise) {wrk['bare_creates_per_s']}/s; "
                         f"{wrk['tool']}"))
        rows.append(_row("mock / bare Starlette, stored creates", ratio, f">= {want}", ratio >= want,
                         f"per round {wrk['mock_vs_bare_ratio_per_round']}; server CPU per create "
                         f"{wrk['mock_server_cpu_us_per_create']} us vs {wrk['bare_server_cpu_us_per_create']} us "
                         f"(CPU ratio {wrk['mock_vs_bare_cpu_ratio']})"))
        prism = wrk["mock_vs_prism"]
        rows.append(_row("mock creates / Prism 5", prism, ">= 3", prism >= 3,
                         f"Prism 5 on the official document ~{PRISM_CREATES_PER_S}/s (issue 11, 2 cores, not re-measured "
                         "here); absolute figure: depends on the machine's load"))
    off = results.get("offline_run")
    if off:
        n = off["workers"]
        serial, par = off.get("serial_seconds"), off.get(f"n{n}_seconds")
        same = off.get("serial_exit") == off.get(f"n{n}_exit")
        rows.append(_row("full offline run, serial (s)", serial, "-", None,
                         f"iconf run --revision all (exit {off.get('serial_exit')})"))
        if off.get("serial_peak_rss_mb") is not None:
            rows.append(_row("full offline run, serial, peak RSS (MB)", off["serial_peak_rss_mb"], "-", None,
                             "the one process that runs both targets (replay, then the in-process mock)"))
        rows.append(_row(f"full offline run, -n {n} (s)", par, "< serial, same exit",
                         None if not (serial and par) else (par < serial and same),
                         f"serial {serial} s (exit {off.get(f'n{n}_exit')})"))
    return rows


def render(rows: list[dict]) -> str:
    head = ("figure", "value", "target", "met", "anchor (same run)")
    lines = [[r["figure"], str(r["value"]), r["target"], {True: "yes", False: "NO", None: "-"}[r["met"]], r["anchor"]]
             for r in rows]
    widths = [max(len(head[i]), *(len(line[i]) for line in lines)) if lines else len(head[i]) for i in range(5)]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*head), "-+-".join("-" * w for w in widths)]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(out)


# --- create throughput with wrk: the mock and a bare Starlette endpoint, side by side ---------------------

#: what a bare Starlette endpoint answers costs about this much; the issue measured Prism 5 at ~1 700/s
PRISM_CREATES_PER_S = 1700
_CREATE_BODY = {"model": "gemini-3-flash-preview", "input": "Hello."}


def _bare_create_app():
    """The floor: parse the body, build an interaction of the mock's shape, keep it, serialise it.

    No validation, no model: what any Starlette server answering a create must at least do.
    """
    import itertools
    from datetime import datetime, timezone

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    store: dict[str, dict] = {}
    counter = itertools.count(1)

    async def create(request: Request) -> Response:
        body = orjson.loads(await request.body())
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        n = next(counter)
        text = body["input"] if isinstance(body.get("input"), str) else "..."
        resource = {
            "id": f"v1_bare{n:06d}", "object": "interaction", "status": "completed", "created": now,
            "updated": now, "model": body.get("model"), "role": "model",
            "steps": [{"type": "model_output", "content": [{"type": "text", "text": f"Scripted answer 1: you said "
                       f"\"{text}\". This reply is deterministic and arrives in several deltas."}]}],
            "usage": {"total_input_tokens": 2, "input_tokens_by_modality": [{"modality": "text", "tokens": 2}],
                      "total_cached_tokens": 0, "total_output_tokens": 24,
                      "output_tokens_by_modality": [{"modality": "text", "tokens": 24}], "total_thought_tokens": 0,
                      "total_tool_use_tokens": 0, "total_tokens": 26},
        }
        store[resource["id"]] = resource
        return Response(orjson.dumps(resource), media_type="application/json")

    return Starlette(routes=[Route("/v1beta/interactions", create, methods=["POST"])])


def _serve_bare(port: int) -> None:
    """The bare app under the same uvicorn settings as ``iconf mock`` (serve(): log level info, access log)."""
    import uvicorn

    from .threaded import NoDelayH11Protocol

    uvicorn.run(_bare_create_app(), host="127.0.0.1", port=port, log_level="info", lifespan="off",
                http=NoDelayH11Protocol)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(cmd: list[str], port: int) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{' '.join(cmd)} did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, seconds: float, connections: int, script: Path, pid: int | None = None) -> dict:
    cpu_before = _cpu_seconds(pid) if pid else None
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script),
                          "--latency", url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec:")), 0.0)
    non_2xx = next((int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line), 0)
    p50 = next((line.split()[1] for line in out.splitlines() if line.strip().startswith("50%")), "?")
    total = next((int(line.split()[0]) for line in out.splitlines() if "requests in" in line), 0)
    result = {"creates_per_s": round(rps), "non_2xx": non_2xx, "p50": p50, "requests": total}
    cpu_after = _cpu_seconds(pid) if pid else None
    if cpu_before is not None and cpu_after is not None and total:
        # the server's own CPU per request: what its throughput is bound by, whatever the neighbours do
        result["server_cpu_us_per_request"] = round((cpu_after - cpu_before) / total * 1e6)
    return result


def bench_create_wrk(seconds: float, rounds: int = 3, connections: int = 32) -> dict:
    """Stored creates/s of ``iconf mock`` and of the bare endpoint, alternated ``rounds`` times (medians)."""
    import shutil
    import statistics

    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian: apt-get install wrk; nox -s bench installs it when it "
                           "can)"}
    results: dict[str, list[dict]] = {"mock": [], "bare_starlette": []}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "create.lua"
        script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          f"wrk.body = {json.dumps(json.dumps(_CREATE_BODY))}\n")
        for n in range(rounds):
            # alternate which server goes first, so a drifting machine load does not favour either
            for name in (("mock", "bare_starlette") if n % 2 == 0 else ("bare_starlette", "mock")):
                port = _free_port()
                cmd = ([sys.executable, "-m", "conformance.mock", "--port", str(port)] if name == "mock" else
                       [sys.executable, "-m", "conformance.bench", "--serve-bare", str(port)])
                proc = _start(cmd, port)
                try:
                    _wrk(f"http://127.0.0.1:{port}/v1beta/interactions", 1, connections, script)  # warm-up
                    results[name].append(_wrk(f"http://127.0.0.1:{port}/v1beta/interactions", seconds,
                                              connections, script, proc.pid))
                finally:
                    _stop(proc)
    mock = statistics.median(r["creates_per_s"] for r in results["mock"])
    bare = statistics.median(r["creates_per_s"] for r in results["bare_starlette"]) or 1
    # paired: each round's two servers ran back to back under (nearly) the same load
    ratios = [m["creates_per_s"] / (b["creates_per_s"] or 1)
              for m, b in zip(results["mock"], results["bare_starlette"], strict=True)]
    cpu = {name: statistics.median(r.get("server_cpu_us_per_request", 0) for r in rows) for name, rows in
           results.items()}
    return {"tool": f"wrk -t1 -c{connections} -d{round(seconds)}s, {rounds} alternating rounds, median of the "
                    "per-round (paired) ratios",
            "mock_server_cpu_us_per_create": cpu["mock"], "bare_server_cpu_us_per_create": cpu["bare_starlette"],
            "mock_vs_bare_cpu_ratio": round(cpu["bare_starlette"] / cpu["mock"], 3) if cpu["mock"] else None,
            "mock_creates_per_s": round(mock), "bare_creates_per_s": round(bare),
            "mock_vs_bare_ratio": round(statistics.median(ratios), 3),
            "mock_vs_bare_ratio_of_medians": round(mock / bare, 3),
            "mock_vs_bare_ratio_per_round": [round(r, 3) for r in ratios],
            "mock_vs_prism": round(mock / PRISM_CREATES_PER_S, 2), "rounds": results,
            "targets": {"mock_vs_bare_ratio": 0.7, "mock_vs_prism": 3.0}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream-mb", type=int, default=100, help="size of the generated stream (default 100)")
    parser.add_argument("--revision", default="2026-05-20")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of bare parse and checker (best kept)")
    parser.add_argument("--mock-seconds", type=float, default=5.0, help="duration of each throughput run")
    parser.add_argument("--workers", type=int, default=2, help="-n for the parallel offline run (default 2)")
    parser.add_argument("--only", choices=["stream", "mock", "run"], default=None)
    parser.add_argument("--out", default="reports/bench", help="directory for the JSON and table")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        _serve_bare(args.serve_bare)
        return 0
    if args.child:
        _child(*args.child)
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results: dict = {"when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                     "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_at_start": load}
    if args.only in (None, "stream"):
        results["stream_validation"] = bench_stream(args.stream_mb, args.revision, args.repeat)
        where = results["stream_validation"]["where_the_time_goes_pct"]
        print("where the stream checker's time goes (cProfile own time, %):")
        for name, pct in where.items():
            print(f"  {pct:5.1f}  {name}")
    if args.only in (None, "mock"):
        results["mock_create_wrk"] = bench_create_wrk(args.mock_seconds, rounds=max(args.repeat, 5))
        results["mock_server"] = _bench_mock(args.mock_seconds)
    if args.only in (None, "run"):
        results["offline_run"] = bench_offline_run(args.workers)
    results["load_at_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = results["table"] = table(results)
    text = render(rows)
    print(text)
    print(f"(cpus {results['cpus']}, load average {results['load_at_start']} at start, {results['load_at_end']} "
          "at end: each ratio is measured side by side in this run)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=2))
    (out / f"{stamp}.md").write_text(text + "\n")
    print(f"written: {out / stamp}.json, .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
