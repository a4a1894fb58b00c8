"""``--target replay``: the recorded target, served from cassettes, with the network blocked.

:func:`open_replay_target` reads the metadata of the cassettes of the
revisions under test and describes the target they were recorded from (its
capabilities, model, agent, API version), so the same scenarios run and skip
as in the recorded run and send the same requests. While it is open every
IPv4/IPv6 connection and name lookup in the process fails
(:func:`block_network`): the cassettes answer, or the scenario fails.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..errors import NetworkBlockedError  # noqa: F401 - defined in conformance.errors, re-exported here
from ..profiles import revision_names
from ..schema import SAFE_YAML_LOADER
from ..targets import TargetConfig, apply_capability_overrides
from .recorder import TIMING_FIELDS, resolve_dir
from .storage import SUFFIX

REPLAY_BASE_URL = "http://replay.invalid"
REPLAY_KEY = "iconf-replay-key"


def read_metadata(path: Path) -> dict:
    """A cassette's ``metadata:`` block, read without parsing the (possibly large) interactions."""
    head: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(("version:", "interactions:")) and head:
                break
            head.append(line)
    try:
        data = yaml.load("".join(head), Loader=SAFE_YAML_LOADER) or {}
    except yaml.YAMLError:
        return {}
    meta = data.get("metadata") if isinstance(data, dict) else None
    return meta if isinstance(meta, dict) else {}


def cassette_files(cassette_dir: Path, revisions: list[str] | None = None) -> list[Path]:
    if revisions is None:
        return sorted(p for p in cassette_dir.glob(f"*/*{SUFFIX}") if p.is_file())
    return sorted(p for r in revisions for p in (cassette_dir / r).glob(f"*{SUFFIX}") if p.is_file())


def recorded_target(cassette_dir: Path, revisions: list[str]) -> tuple[dict, int, list[str]]:
    """The recorded target's description (the most common one), how many cassettes, and warnings."""
    files = cassette_files(cassette_dir, revisions)
    seen: Counter = Counter()
    described: dict[Any, dict] = {}
    for path in files:
        target = read_metadata(path).get("target")
        if not isinstance(target, dict):
            continue
        key = (target.get("kind"), target.get("model"), target.get("agent"), target.get("api_version"),
               tuple(sorted(target.get("capabilities") or [])))
        seen[key] += 1
        described.setdefault(key, target)
    warnings = []
    if not seen:
        return {}, len(files), warnings
    (best, count), *others = seen.most_common()
    if others:
        warnings.append(f"replay: the cassettes were recorded from {len(seen)} different targets; replaying as "
                        f"the {best[0]} target of {count} of them (model {best[1]})")
    return described[best], len(files), warnings


@contextlib.contextmanager
def block_network() -> Iterator[None]:
    """Make every IPv4/IPv6 connect and name lookup in this process fail with :class:`NetworkBlockedError`."""
    inet = (socket.AF_INET, socket.AF_INET6)
    original = (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo, socket.create_connection)

    def connect(self, address, *a, **kw):
        if self.family in inet:
            raise NetworkBlockedError(f"replay: the network is blocked (connect to {address!r})")
        return original[0](self, address, *a, **kw)

    def connect_ex(self, address, *a, **kw):
        if self.family in inet:
            raise NetworkBlockedError(f"replay: the network is blocked (connect to {address!r})")
        return original[1](self, address, *a, **kw)

    def getaddrinfo(host, *a, **kw):
        raise NetworkBlockedError(f"replay: the network is blocked (name lookup of {host!r})")

    def create_connection(address, *a, **kw):
        raise NetworkBlockedError(f"replay: the network is blocked (connect to {address!r})")

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo, socket.create_connection = original


@contextlib.contextmanager
def open_replay_target(cassette_dir: str | Path | None, options: dict) -> Iterator[TargetConfig]:
    """The replay target: a :class:`TargetConfig` describing the recorded target; network blocked while open."""
    directory = Path(options.get("cassette_dir") or cassette_dir or resolve_dir())
    revisions = revision_names(options.get("revision") or "all")
    target, count, warnings = recorded_target(directory, revisions)
    if not count:
        raise RuntimeError(f"no cassettes for revision {', '.join(revisions)} under {directory}/ — record them with "
                           f"`iconf run --target mock --record --revision {options.get('revision') or 'all'}` "
                           "(or --target live --record with GEMINI_API_KEY set)")
    for w in warnings:
        print(w, file=sys.stderr)
    caps = frozenset(target.get("capabilities") or ())
    try:
        capabilities = apply_capability_overrides(caps, options.get("capability"))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    config = TargetConfig(
        name="replay", kind="replay", base_url=REPLAY_BASE_URL, api_key=REPLAY_KEY,
        api_version=target.get("api_version") or options.get("api_version") or "v1beta",
        model=target.get("model") or options.get("model") or "gemini-3-flash-preview",
        max_requests=options.get("max_requests"), timeout_s=float(options.get("timeout") or 30.0),
        capabilities=capabilities,
    )
    if target.get("agent"):
        config.agent = target["agent"]
    for name in TIMING_FIELDS:
        if hasattr(config, name) and isinstance(target.get(name), (int, float)):
            setattr(config, name, target[name])
    with block_network():
        yield config


__all__ = ["NetworkBlockedError", "REPLAY_BASE_URL", "block_network", "cassette_files", "open_replay_target",
           "read_metadata", "recorded_target"]
