"""Re-validate stored cassettes against the current profiles (``iconf cassettes check``).

Every recorded answer is judged again, with today's schemas and rules:

* a JSON answer with :func:`~conformance.checks.check_exchange` (in recorded
  order, with one :class:`~conformance.checks.ConversationState` per
  cassette, so a chain is judged as a chain), and every interaction resource
  in it through a :class:`~conformance.checks.LifecycleTracker`;
* a streamed answer with :func:`~conformance.checks.check_stream_bytes` over
  the recorded chunks (a ``last_event_id`` replay as a resumed stream), and the
  request that opened it with ``check_exchange``.

So a schema update shows which recordings no longer conform. Cassettes that
no scenario uses any more are reported too (:func:`scenario_stems`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..checks import (
    ConversationState,
    Exchange,
    LifecycleTracker,
    check_exchange,
    check_stream_bytes,
    classify_path,
)
from ..rules import RULES, Violation
from ..schema import SchemaSet
from .replay import read_metadata
from .storage import SUFFIX, CassetteFormatError, header, is_stream, read_cassette, response_bytes

#: rules that cannot be judged on a stream the client stopped reading early
_TRUNCATION_RULES = frozenset({"stream.terminal.exactly-one", "stream.block.closed"})


@dataclass
class Finding:
    cassette: Path
    index: int
    label: str
    violation: Violation

    @property
    def must(self) -> bool:
        return self.violation.level == "MUST"


@dataclass
class CassetteResult:
    path: Path
    revision: str
    interactions: int = 0
    streams: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


def cassette_revision(path: Path, metadata: Mapping | None = None) -> str:
    meta = metadata if metadata is not None else _safe_metadata(path)
    revision = meta.get("revision") if isinstance(meta, Mapping) else None
    return str(revision) if revision else path.parent.name


def _safe_metadata(path: Path) -> dict:
    try:
        return read_metadata(path)
    except (OSError, UnicodeDecodeError):
        return {}


def _body(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return None


def _json(data: bytes | None) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def check_cassette(path: Path, schemas_for: Callable[[str], SchemaSet]) -> CassetteResult:
    """Judge every interaction of one cassette file."""
    try:
        requests, responses, metadata = read_cassette(path)
    except CassetteFormatError as exc:
        return CassetteResult(path, path.parent.name, error=str(exc))
    revision = cassette_revision(path, metadata)
    result = CassetteResult(path, revision)
    try:
        schemas = schemas_for(revision)
    except Exception as exc:  # noqa: BLE001 - an unknown revision is unreadable input, not a crash
        result.error = f"revision {revision!r}: {exc}"
        return result
    profile = schemas.profile
    state = ConversationState()
    trackers: dict[str, LifecycleTracker] = {}

    def observe(body: Any, where: str) -> list[Violation]:
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str) or "status" not in body:
            return []
        return trackers.setdefault(body["id"], LifecycleTracker(profile)).observe(body, source=where)

    for index, (request, response) in enumerate(zip(requests, responses, strict=False)):
        result.interactions += 1
        parts = urlsplit(request.uri)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        raw = _body(request.body)
        label = f"{request.method} {parts.path}{'?' + parts.query if parts.query else ''}"
        try:
            status = int(response["status"]["code"])
        except (KeyError, TypeError, ValueError):
            result.error = f"interaction #{index}: no response status code"
            return result
        found: list[Violation] = []
        op, _ = classify_path(parts.path)
        if is_stream(response) and 200 <= status < 300:
            result.streams += 1
            chunks_data = response_bytes(response)
            ctype = header(response.get("headers"), "content-type") or ""
            resumed = "last_event_id" in query
            sr = check_stream_bytes(schemas, chunks_data, resumed=resumed, content_type=ctype,
                                    location=f"#{index} stream")
            found += sr.violations
            if (response.get("body") or {}).get("incomplete"):
                found = [v for v in found if v.rule_id not in _TRUNCATION_RULES]
            ex = Exchange(request.method, parts.path, query, _json(raw), raw, status, None, None, streamed=True)
            found += check_exchange(schemas, ex, state=state)
            if sr.completed_interaction:
                found += observe(sr.completed_interaction, f"#{index} completion event")
                state.record(sr.completed_interaction, store=not (isinstance(ex.request_body, Mapping)
                                                                  and ex.request_body.get("store") is False),
                             items_field=profile.items_field)
        else:
            data = response_bytes(response)
            body = _json(data)
            ex = Exchange(request.method, parts.path, query, _json(raw), raw, status, body, data)
            found += check_exchange(schemas, ex, state=state)
            if 200 <= status < 300 and op in ("create", "item", "cancel") and request.method != "DELETE":
                stored = not (op == "create" and isinstance(ex.request_body, Mapping)
                              and ex.request_body.get("store") is False)
                if stored:
                    found += observe(body, f"#{index} {label}")
        for v in found:
            if profile.name in RULES[v.rule_id].revisions:
                result.findings.append(Finding(path, index, label, v))
    return result


def find_cassettes(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Cassette files under the given files/directories, and the paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(f for f in path.rglob(f"*{SUFFIX}") if f.is_file() and not f.name.startswith("."))
        else:
            missing.append(str(p))
    return files, missing


# --- which cassettes scenarios use ----------------------------------------------------------------


def scenario_stems(revisions: list[str], timeout_s: float = 300.0) -> dict[str, set[str]]:
    """``{revision: {cassette stem}}`` of every scenario in ``conformance.suite.scenarios`` (pytest --collect-only)."""
    proc = subprocess.run([sys.executable, "-m", "conformance.suite.collect", ",".join(revisions)],
                          capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"collecting the scenarios failed (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-800:]}")
    out: dict[str, set[str]] = {r: set() for r in revisions}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            out.setdefault(row["revision"], set()).add(row["stem"])
    return out


__all__ = ["CassetteResult", "Finding", "cassette_revision", "check_cassette", "find_cassettes", "scenario_stems"]
