"""Load an OpenAPI document (YAML or JSON, local file) and resolve its ``$ref``s.

Resolution uses ``referencing`` (the python-jsonschema project's reference library, already a
dependency through ``jsonschema``): a registry holds the document under its file URI, and a
retriever loads any other file a ``$ref`` points to (``common.yaml#/components/schemas/X``)
relative to the referring one. We resolve lazily, one ``$ref`` at a time, instead of inlining the
whole document (as prance or jsonref do) because the diff reports changes *by component name*
(``#/components/schemas/Interaction``) and must not walk a recursive schema forever; an inlined
document has lost both the names and the cycle points.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from ..errors import InputError

__all__ = ["DocumentError", "OpenApiDocument", "load_openapi", "read_structured"]


class DocumentError(InputError, ValueError):
    """The document cannot be read, is not YAML/JSON, is not an OpenAPI document, or a ``$ref`` dangles."""


def read_structured(path: Path) -> Any:
    """Parse a YAML or JSON file (JSON is YAML, but JSON errors read better from the JSON parser)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DocumentError(f"{path}: not valid YAML/JSON ({first})") from None


@dataclass
class OpenApiDocument:
    """A loaded document and a resolver for its references."""

    path: Path
    data: dict
    registry: Registry

    @property
    def uri(self) -> str:
        return self.path.resolve().as_uri()

    @property
    def schemas(self) -> Mapping[str, Any]:
        comps = self.data.get("components") or {}
        return comps.get("schemas") or {} if isinstance(comps, Mapping) else {}

    def resolve(self, node: Any, base: str | None = None) -> tuple[Any, str | None, str]:
        """Follow ``$ref``s from ``node``: (target, component name or ref, base URI of the target).

        The name is the last ``#/components/schemas/<name>`` on the way (the ref itself for anything
        else), so callers can report and memoise by it. A dangling ref raises :class:`DocumentError`.
        """
        base = base or self.uri
        name = None
        for _ in range(64):
            if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
                return node, name, base
            ref = node["$ref"]
            try:
                resolved = self.registry.resolver(base_uri=base).lookup(ref)
            except (Unresolvable, NoSuchResource, DocumentError) as exc:
                raise DocumentError(f"{self.path}: cannot resolve $ref {ref!r} ({type(exc).__name__})") from None
            frag = ref.partition("#")[2]
            name = frag.rsplit("/", 1)[-1] if frag.startswith("/components/schemas/") else ref
            node = resolved.contents
            doc_part = ref.partition("#")[0]
            base = urljoin(base, doc_part) if doc_part else base
        raise DocumentError(f"{self.path}: $ref chain too long at {node!r:.80}")


def load_openapi(path: str | Path) -> OpenApiDocument:
    """Read an OpenAPI 3.x document (a local YAML or JSON file)."""
    p = Path(path)
    data = read_structured(p)
    if isinstance(data, dict) and "swagger" in data and "openapi" not in data:
        raise DocumentError(f"{p}: Swagger {data['swagger']} is not supported (OpenAPI 3.x only; convert it first)")
    if not isinstance(data, dict) or "openapi" not in data:
        raise DocumentError(f"{p}: not an OpenAPI document (no top-level 'openapi' field)")
    if not isinstance(data.get("paths", {}), Mapping) or not isinstance(data.get("components", {}), Mapping):
        raise DocumentError(f"{p}: 'paths' and 'components' must be mappings")
    root = p.resolve()

    def retrieve(uri: str) -> Resource:
        if not uri.startswith("file://"):
            raise NoSuchResource(ref=uri)  # local files only: a diff never fetches from the network
        target = Path(uri.removeprefix("file://"))
        return Resource.from_contents(read_structured(target), default_specification=DRAFT202012)

    registry = Registry(retrieve=retrieve).with_resource(
        root.as_uri(), Resource.from_contents(data, default_specification=DRAFT202012))
    return OpenApiDocument(p, data, registry)
