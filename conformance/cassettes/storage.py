"""How a cassette is stored: vcrpy's YAML cassette format, with streamed bodies kept chunk by chunk.

A cassette file is vcrpy's (``version: 1``, ``interactions: [{request, response}]``,
``metadata``), written by vcrpy's serialization (:mod:`vcr.serialize`) through
a YAML serializer built on vcrpy's safe dumper/loader, and persisted by a
:class:`vcr.persisters.filesystem.FilesystemPersister` subclass that refuses to
write a secret (:class:`ScrubbingPersister`).

One extension: a streamed answer (``text/event-stream``) has no
``body.string``; it has ``body.chunks``, the byte chunks exactly as they came
off the wire (text when UTF-8, ``!!binary`` otherwise), and
``body.offsets_ms``, when each chunk arrived (milliseconds after the
response headers). Replay serves the same chunks, so framing rules see the
same boundaries. ``body.incomplete: true`` marks a stream the client stopped
reading early.

Metadata (``metadata:``) says where a cassette came from; see
:func:`conformance.cassettes.recorder.cassette_metadata`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from vcr.persisters.filesystem import CassetteDecodeError, CassetteNotFoundError, FilesystemPersister
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serialize import serialize as vcr_serialize
from vcr.serializers import yamlserializer

from ..errors import CassetteFormatError  # noqa: F401 - defined in conformance.errors, re-exported here
from .scrub import Scrubber, SecretLeakError

FORMAT = "iconf-cassette/1"
SUFFIX = ".yaml"


# --- YAML ------------------------------------------------------------------------------------------


class _Dumper(yamlserializer._CassetteDumper):
    """vcrpy's safe cassette dumper, with multi-line text as literal blocks (readable streams)."""


def _represent_str(dumper: yaml.Dumper, data: str) -> yaml.Node:
    if "\n" in data and len(data) < 200_000:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)

_ORDER = ("metadata", "version", "interactions")


class YamlSerializer:
    """A vcrpy serializer (``serialize(dict) -> str``, ``deserialize(str) -> dict``); metadata first."""

    @staticmethod
    def serialize(cassette_dict: dict) -> str:
        ordered = {k: cassette_dict[k] for k in _ORDER if k in cassette_dict}
        ordered.update({k: v for k, v in cassette_dict.items() if k not in ordered})
        text = yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        if yamlserializer.deserialize(text) != ordered:  # belt and braces: never store what reads back different
            text = yaml.dump(ordered, Dumper=yamlserializer._CassetteDumper, sort_keys=False)
        return text

    @staticmethod
    def deserialize(cassette_string: str) -> dict:
        return yamlserializer.deserialize(cassette_string)


serializer = YamlSerializer()


# --- bodies ----------------------------------------------------------------------------------------


def chunk_to_yaml(chunk: bytes) -> str | bytes:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError:
        return chunk


def chunk_from_yaml(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    raise CassetteFormatError(f"a stream chunk is {type(chunk).__name__}, not text or bytes")


def is_stream(response: dict) -> bool:
    body = response.get("body")
    return isinstance(body, dict) and "chunks" in body


def response_chunks(response: dict) -> list[bytes]:
    """A stored response's body as the list of chunks it arrived in (one chunk for a plain body)."""
    body = response.get("body") or {}
    if "chunks" in body:
        return [chunk_from_yaml(c) for c in body.get("chunks") or []]
    data = body.get("string")
    if data is None:
        return []
    return [data if isinstance(data, bytes) else str(data).encode("utf-8")]


def response_bytes(response: dict) -> bytes:
    return b"".join(response_chunks(response))


def header(headers: dict | None, name: str) -> str | None:
    """A header from a stored headers mapping (``{name: [values]}`` or ``{name: value}``), any case."""
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            if isinstance(v, (list, tuple)):
                return str(v[0]) if v else None
            return str(v)
    return None


# --- persister -------------------------------------------------------------------------------------


class ScrubbingPersister(FilesystemPersister):
    """vcrpy's filesystem persister that checks for secrets first and writes atomically.

    ``save_cassette`` serializes, then asks the scrubber whether the text or
    the data still hold a secret; if so it raises :class:`SecretLeakError`
    and writes nothing.
    """

    def __init__(self, scrubber: Scrubber) -> None:
        self.scrubber = scrubber

    def load_cassette(self, cassette_path, serializer):  # noqa: D102 - vcrpy's API
        return FilesystemPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path, cassette_dict, serializer):  # noqa: D102 - vcrpy's API
        text = vcr_serialize(cassette_dict, serializer)
        leaks = self.scrubber.leaks(text=text, data=cassette_dict)
        if leaks:
            raise SecretLeakError(
                f"refusing to write cassette {cassette_path}: it still contains a secret "
                f"({'; '.join(sorted(set(leaks))[:5])}). Nothing was written; add a scrub pattern "
                f"(ICONF_SCRUB_PATTERNS or scrub-patterns.txt) if the target echoes it somewhere new.")
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a cassette is an ordinary file
            os.replace(tmp, path)
        except BaseException:
            with _suppress():
                os.unlink(tmp)
            raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


# --- reading a cassette file directly (iconf cassettes check, tests) -------------------------------


def read_cassette(path: str | Path) -> tuple[list, list[dict], dict]:
    """(requests, responses, metadata) of a cassette file, with vcrpy's own loader.

    Raises :class:`CassetteFormatError` for anything that is not a cassette.
    """
    try:
        loaded = FilesystemPersister.load_cassette(Path(path), serializer)
    except CassetteNotFoundError:
        raise CassetteFormatError("not found or empty") from None
    except (CassetteDecodeError, ValueError, yaml.YAMLError) as exc:
        raise CassetteFormatError(f"not a readable cassette ({str(exc).splitlines()[0][:200]})") from None
    except (KeyError, TypeError) as exc:
        raise CassetteFormatError(f"not a cassette (missing {exc})") from None
    except OSError as exc:
        raise CassetteFormatError(f"cannot read ({exc.strerror or exc})") from None
    requests, responses, *rest = loaded
    metadata = rest[0] if rest else {}
    if not isinstance(metadata, dict):
        raise CassetteFormatError("its metadata is not a mapping")
    for r in responses:
        if not isinstance(r, dict) or "status" not in r:
            raise CassetteFormatError("an interaction has no response status")
    return requests, responses, metadata


def load_dict(path: str | Path) -> dict:
    """The raw YAML data of a cassette (for tools that edit cassettes)."""
    return serializer.deserialize(Path(path).read_text(encoding="utf-8"))


def dump_dict(path: str | Path, data: dict) -> None:
    Path(path).write_text(serializer.serialize(data), encoding="utf-8")


__all__ = [
    "FORMAT", "SUFFIX", "CassetteFormatError", "ScrubbingPersister", "YamlSerializer", "serializer",
    "chunk_from_yaml", "chunk_to_yaml", "header", "is_stream", "load_dict", "dump_dict", "read_cassette",
    "response_bytes", "response_chunks", "vcr_deserialize",
]
