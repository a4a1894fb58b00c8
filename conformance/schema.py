"""Load an OpenAPI document and compile JSON Schema validators from its components.

Why not validate against the OpenAPI document as is: OpenAPI 3.0 schemas are
*almost* JSON Schema. Three things need help, and all are done once, here,
whichever document is loaded (ours from ``schemas/`` or a user's
``--schema PATH``, such as the official download):

* ``discriminator`` is an OpenAPI keyword JSON Schema ignores. A ``oneOf``
  over twenty block types then fails with "not valid under any of the given
  schemas", which is useless evidence. We rewrite each discriminated
  ``oneOf`` into ``if type == X then $ref X`` branches, so the error names the
  block and the missing field, and an unknown type is reported by its own
  rule (``schema.type.known``, SHOULD) instead of as a MUST failure.
* ``nullable`` becomes a ``null`` type.
* Every remaining ``oneOf`` becomes ``anyOf``: the published documents have
  unions whose members overlap (``ResponseFormat`` lists a bare object beside
  its typed members; legacy ``FunctionResultDelta.result`` two object forms),
  so a strict ``oneOf`` rejects exactly the data the live API exchanges.
* Profile patches: statuses from newer typings, the ``error.code``
  string-or-integer choice (strictness), the undeclared ``object`` field.

Forward compatibility (docs/forward-compatibility.md): every failure is
classified, so the checks can treat *new* things differently from *wrong*
ones. An unknown discriminator value is ``unknown="type"``; a string that is
not in an enum, and is not a known value spelled differently, is
``unknown="value"``; a property the document does not declare is found by a
second, *closed* compilation of the same schemas (``unevaluatedProperties:
false`` on every declared object) and is ``unknown="field"``.

Validators are compiled lazily with jsonschema-rs (Rust; about 0.2 µs for a
small event, which the stream benchmark needs) and cached per component. The
components are handed to jsonschema-rs once per set, as one resource in a
``Registry`` that every validator's ``$ref`` resolves against: compiling each
validator from a root that embeds every component copied the whole document
into Rust each time, ~1.5 MB per validator and ~200 MB per offline run.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from .errors import SchemaLoadError  # noqa: F401 - defined in conformance.errors, re-exported here
from .profiles import Profile
from .strictness import Strictness

_KNOWN_TYPE_MARK = "iconf:known-type"
_REF_PREFIX = "#/components/schemas/"
#: where the components live in each set's jsonschema-rs Registry (every $ref made absolute against it)
_DOC_URI = "urn:iconf:components"
#: libyaml's safe loader where PyYAML has it (every wheel does), else the pure-Python one: the one YAML loader
#: for documents and cassettes (the pure-Python loader took ~1.6 s for a replay run's cassette metadata)
SAFE_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SchemaError:
    """One JSON Schema failure: where in the instance, what went wrong, and whether it is something *new*.

    ``unknown`` is ``"type"`` (a discriminator value the document lacks), ``"value"`` (a string outside
    an enum that is not a known value in another spelling), ``"field"`` (an undeclared property), or
    None for a plain failure (a known thing with the wrong type or shape).
    """

    path: str
    message: str
    unknown: str | None = None

    @property
    def unknown_type(self) -> bool:
        return self.unknown == "type"


@lru_cache(maxsize=16)
def _load_document_cached(path: str, mtime: float) -> dict:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaLoadError(f"cannot read schema {path}: {exc.strerror or exc}") from None
    try:
        if p.suffix == ".json":
            doc = json.loads(text)
        else:
            doc = yaml.load(text, Loader=SAFE_YAML_LOADER)  # noqa: S506 - a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise SchemaLoadError(f"schema {path} is not valid JSON/YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("components", {}).get("schemas"), dict):
        raise SchemaLoadError(f"schema {path} is not an OpenAPI document with components.schemas")
    return doc


def load_document(path: str | Path) -> dict:
    """Parse an OpenAPI document (JSON or YAML); cached by path and modification time."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise SchemaLoadError(f"cannot read schema {p}: {exc.strerror or exc}") from None
    return _load_document_cached(str(p), mtime)


def infer_revision(doc: Mapping) -> str:
    """Guess which revision a document describes: ``steps`` on Interaction means 2026-05-20."""
    declared = doc.get("x-iconf-revision")
    if isinstance(declared, str):
        return declared
    interaction = doc.get("components", {}).get("schemas", {}).get("Interaction", {})
    return "2026-05-20" if "steps" in interaction.get("properties", {}) else "legacy"


# --- OpenAPI -> JSON Schema -----------------------------------------------------------------------


def _discriminator_value(variant: Mapping, prop: str) -> str | None:
    node = variant.get("properties", {}).get(prop, {})
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return None


def _rewrite(node: Any, schemas: Mapping[str, Any]) -> Any:
    """Recursively turn OpenAPI-isms into plain JSON Schema (see module docstring)."""
    if isinstance(node, list):
        return [_rewrite(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _rewrite(v, schemas) for k, v in node.items() if k not in ("example", "examples", "x-codeSamples")}
    if out.pop("nullable", False):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
    disc = out.pop("discriminator", None)
    if disc and isinstance(out.get("oneOf"), list):
        prop = disc.get("propertyName", "type")
        branches, known = [], []
        for member in out["oneOf"]:
            ref = member.get("$ref", "") if isinstance(member, dict) else ""
            target = schemas.get(ref[len(_REF_PREFIX):]) if ref.startswith(_REF_PREFIX) else None
            value = _discriminator_value(target, prop) if target else None
            if value is None:
                break
            known.append(value)
            branches.append({"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": member})
        else:
            del out["oneOf"]
            out.setdefault("required", [])
            if prop not in out["required"]:
                out["required"] = [*out["required"], prop]
            guard = {"properties": {prop: {"enum": known}}, "$comment": _KNOWN_TYPE_MARK}
            out["allOf"] = [*out.get("allOf", []), *branches, guard]
    if "oneOf" in out:
        members = out.pop("oneOf")
        out["anyOf"] = [*out.pop("anyOf", []), *members] if "anyOf" in out else members
    return out


class SchemaSet:
    """Compiled validators for one profile over one OpenAPI document.

    ``path`` defaults to the profile's authored document in ``schemas/``; any
    OpenAPI 3.x file with the official component names works (``--schema``).
    """

    def __init__(self, profile: Profile, path: str | Path | None = None, strictness: Strictness | None = None):
        self.profile = profile
        self.strictness = strictness or Strictness()
        self.path = Path(path) if path else profile.schema_path
        doc = load_document(self.path)
        raw = copy.deepcopy(doc["components"]["schemas"])
        self._patch(raw)
        self._schemas: dict[str, Any] = {name: _rewrite(s, raw) for name, s in raw.items()}
        self._cache: dict[tuple, Any] = {}
        self._closed: dict[str, Any] | None = None
        self._registries: dict[bool, Any] = {}
        missing = [c for c in self.required_components() if c not in self._schemas]
        if missing:
            raise SchemaLoadError(
                f"schema {self.path} lacks components the {profile.name} profile needs: {', '.join(missing)}"
            )

    # -- set-up ---------------------------------------------------------------------------------

    def required_components(self) -> list[str]:
        p = self.profile
        names = [p.resource_component, p.error_component, p.item_union, *p.request_components.values()]
        names += list(p.grammar.event_components.values())
        return names

    def _patch(self, schemas: dict) -> None:
        tolerated = sorted(self.profile.status.tolerated)
        for name in self.profile.status_enum_components:
            status = schemas.get(name, {}).get("properties", {}).get("status")
            if isinstance(status, dict) and isinstance(status.get("enum"), list):
                status["enum"] = [*status["enum"], *(s for s in tolerated if s not in status["enum"])]
        error = schemas.get(self.profile.error_component)
        if isinstance(error, dict):
            props = error.setdefault("properties", {})
            props["code"] = {
                "any": {"type": ["string", "integer"]},
                "string": {"type": "string"},
                "integer": {"type": "integer"},
            }[self.strictness.error_code]
            props.setdefault("status", {"type": "string"})
        resource = schemas.get(self.profile.resource_component)
        if isinstance(resource, dict):
            resource.setdefault("properties", {}).setdefault("object", {"type": "string"})

    # -- access ---------------------------------------------------------------------------------

    def has(self, component: str) -> bool:
        return component in self._schemas

    def component(self, component: str) -> Mapping:
        return self._schemas[component]

    def _compile(self, component: str, required: tuple[str, ...] | None, override: tuple,
                 closed: bool = False) -> Any:
        key = (component, required, override, closed)
        compiled = self._cache.get(key)
        if compiled is not None:
            return compiled
        if component not in self._schemas:
            raise SchemaLoadError(f"schema {self.path} has no component {component!r}")
        if closed and self._closed is None:
            self._closed = {name: _close(s) for name, s in self._schemas.items()}
        schemas = self._closed if closed else self._schemas
        target = component
        if required is not None or override:
            derived = copy.deepcopy(schemas[component])
            if required is not None:
                derived["required"] = [r for r in derived.get("required", []) if r in required]
            for prop, sub in override:
                derived.setdefault("properties", {})[prop] = _close(json.loads(sub)) if closed else json.loads(sub)
            target = f"__iconf_derived_{len(self._cache)}"
            schemas = {**schemas, target: derived}
        root = {"components": {"schemas": schemas}, "$ref": _REF_PREFIX + target}
        top = _absolute(schemas[target]) if target != component else {"$ref": _DOC_URI + _REF_PREFIX + component}
        compiled = self._rust(top, closed)
        self._cache[key] = (compiled, root)
        return self._cache[key]

    def _rust(self, schema: Any, closed: bool) -> Any:
        """A jsonschema-rs validator for ``schema``, whose absolute $refs resolve in the set's registry."""
        registry = self._registries.get(closed)
        if registry is None:
            components = self._closed if closed else self._schemas
            registry = self._registries[closed] = jsonschema_rs.Registry(
                [(_DOC_URI, {"components": {"schemas": _absolute(components)}})])
        return jsonschema_rs.validator_for(schema, registry=registry, validate_formats=True,
                                           ignore_unknown_formats=True)

    def validator(self, component: str, *, required: Iterable[str] | None = None,
                  override: Mapping[str, Any] | None = None, closed: bool = False) -> Any:
        """The compiled validator (``.is_valid(instance)``), for hot loops that call it millions of times.

        Guarded: an instance nested deeper than the validator can recurse is "not valid" (the caller's slow
        path then reports it through :meth:`errors`) instead of an exception out of a hostile stream.
        ``closed``: undeclared properties make an instance invalid too (see :meth:`unknown_fields`), for a
        fast path that must hand such instances to the slow path that reports them.
        """
        return _Guarded(self._compile(component, _key(required), _okey(override), closed=closed)[0])

    def list_validator(self, component: str, *, override: Mapping[str, Any] | None = None,
                       closed: bool = False) -> Any:
        """A compiled validator for a *list* of instances of ``component``: one Rust call checks a whole batch
        (the stream checker's runs of deltas), instead of one call per instance. ``closed`` as for
        :meth:`validator`."""
        key = ("[]", component, _okey(override), closed)
        compiled = self._cache.get(key)
        if compiled is None:
            _, root = self._compile(component, None, _okey(override), closed=closed)
            item = root["components"]["schemas"][root["$ref"][len(_REF_PREFIX):]]
            listed = {"type": "array", "items": _absolute(item)}
            compiled = self._cache[key] = _Guarded(self._rust(listed, closed=closed))
        return compiled

    def is_valid(self, component: str, instance: Any, *, required: Iterable[str] | None = None,
                 override: Mapping[str, Any] | None = None) -> bool:
        compiled, _ = self._compile(component, _key(required), _okey(override))
        try:
            return compiled.is_valid(instance)
        except ValueError:  # the validator's recursion limit: too deep to judge, so not valid
            return False

    def errors(self, component: str, instance: Any, *, required: Iterable[str] | None = None,
               override: Mapping[str, Any] | None = None, base: str = "") -> list[SchemaError]:
        """All schema failures of ``instance`` against ``component``.

        ``required`` narrows the required lists of the top-level object (a
        partial object is judged by what it promises); ``override`` replaces
        property schemas (e.g. a start event's block, validated on its own).
        """
        compiled, root = self._compile(component, _key(required), _okey(override))
        try:
            if compiled.is_valid(instance):
                return []
            found = list(compiled.iter_errors(instance))
        except ValueError:  # jsonschema-rs: "Recursion limit reached"
            return [SchemaError(base or "/", _TOO_DEEP)]
        out = []
        for err in found:
            pointer = base + "".join(f"/{part}" for part in err.instance_path)
            if _is_known_type_guard(root, err.schema_path):
                unknown: str | None = "type"
            else:
                unknown = "value" if _is_new_value(err) else None
            out.append(SchemaError(pointer or "/", err.message, unknown))
        return out

    def unknown_fields(self, component: str, instance: Any, *, required: Iterable[str] | None = None,
                       override: Mapping[str, Any] | None = None, base: str = "") -> list[SchemaError]:
        """Properties of ``instance`` the document does not declare (one error per object, naming them).

        Only objects the document describes with ``properties`` are closed; free-form maps
        (``additionalProperties``) and objects without declared properties stay open.
        """
        compiled, _ = self._compile(component, _key(required), _okey(override), closed=True)
        try:
            found = list(compiled.iter_errors(instance))
        except ValueError:  # too deep: errors() has already said so
            return []
        out = []
        for err in found:
            if err.kind.name not in ("unevaluatedProperties", "additionalProperties"):
                continue
            pointer = base + "".join(f"/{part}" for part in err.instance_path)
            names = ", ".join(repr(n) for n in err.kind.as_dict().get("unexpected", []))
            out.append(SchemaError(pointer or "/", f"undeclared field(s) {names}", "field"))
        return out


_TOO_DEEP = "nests deeper than the schema validator can follow (its recursion limit); cannot be validated"


class _Guarded:
    """A compiled jsonschema-rs validator whose ``is_valid`` answers False where the Rust validator would
    raise on its recursion limit (a hostile, absurdly nested instance), so no caller sees the exception."""

    __slots__ = ("_compiled",)

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def is_valid(self, instance: Any) -> bool:
        try:
            return self._compiled.is_valid(instance)
        except ValueError:
            return False

    def iter_errors(self, instance: Any) -> Any:
        return self._compiled.iter_errors(instance)


def _key(required: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if required is None else tuple(sorted(required))


def _okey(override: Mapping[str, Any] | None) -> tuple:
    if not override:
        return ()
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in override.items()))


def _absolute(node: Any) -> Any:
    """A copy whose document-local ``$ref``s (``#/components/schemas/X``) point into the registry's resource."""
    if isinstance(node, list):
        return [_absolute(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _absolute(v) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out["$ref"] = _DOC_URI + ref
    return out


def _close(node: Any) -> Any:
    """A copy where every object with declared ``properties`` (and no ``additionalProperties``) is closed."""
    if isinstance(node, list):
        return [_close(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("$comment") == _KNOWN_TYPE_MARK:
        return node  # the discriminator guard looks at one property only
    out = {k: (_close(v) if k not in ("properties", "if") else
               v if k == "if" else {p: _close(s) for p, s in v.items()}) for k, v in node.items()}
    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
        # the cheaper keyword where it means the same: with no applicator beside ``properties``, nothing else
        # can evaluate a property, so additionalProperties == unevaluatedProperties (and is ~20% faster on
        # the stream checker's closed delta validators)
        out["unevaluatedProperties" if _APPLICATORS.intersection(node) else "additionalProperties"] = False
    return out


#: keywords through which other subschemas may evaluate an object's properties
_APPLICATORS = frozenset(("allOf", "anyOf", "oneOf", "if", "then", "else", "$ref", "$dynamicRef", "dependentSchemas",
                          "not"))


def _is_new_value(err: Any) -> bool:
    """An enum miss by a string that is not a known value in another spelling (``IN_PROGRESS``)."""
    if err.kind.name != "enum" or not isinstance(err.instance, str) or not err.instance:
        return False
    folded = err.instance.casefold().replace("-", "_")
    options = err.kind.as_dict().get("options") or []
    return not any(isinstance(o, str) and o.casefold().replace("-", "_") == folded for o in options)


def _is_known_type_guard(root: Mapping, schema_path: Iterable) -> bool:
    node: Any = root
    path = list(schema_path)
    for part in path[:-3] if len(path) >= 3 else []:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) and node.get("$comment") == _KNOWN_TYPE_MARK
