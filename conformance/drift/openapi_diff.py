"""Compare two OpenAPI documents and list each change with its check name (see ``classify``).

How the walk goes, and why:

* Operations are matched by (method, path); their parameters by (in, name), their bodies by media
  type, their responses by status code.
* Schemas are compared where the operations use them, so each change knows its *direction*
  (request: the client sends it; response: the server sends it), which decides its level. A named
  component is compared once per direction and pair of names, and its changes are reported at the
  component (``#/components/schemas/Interaction/properties/outputs``) with the operations that reach
  it, instead of once per operation: twelve operations return an ``Interaction``.
* Components no operation references are compared too, judged as ``unreferenced`` says (default:
  responses: in the Interactions documents those are the SSE events, which the server sends).
* Union members (``oneOf``/``anyOf``) are matched by their discriminator value (``type``,
  ``event_type``), else by component name, else by their type, so a moved or renamed member reads as
  what it is: one member removed, another added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .classify import BREAKS_CLIENTS, BREAKS_SERVERS, LEVELS, check
from .loader import OpenApiDocument

__all__ = ["Change", "diff_documents"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF = "#/components/schemas/"


@dataclass
class Change:
    """One classified change."""

    id: str
    direction: str  # request | response | none
    location: str
    message: str
    operations: set[str] = field(default_factory=set)
    #: found in a component no operation references (judged as ``--unreferenced`` says)
    unreferenced: bool = False

    @property
    def level(self) -> str:
        return check(self.id).level

    @property
    def reason(self) -> str:
        return check(self.id).reason

    @property
    def breaking(self) -> bool:
        return self.level in (BREAKS_CLIENTS, BREAKS_SERVERS)

    @property
    def breaks(self) -> str | None:
        return {BREAKS_CLIENTS: "clients", BREAKS_SERVERS: "servers"}.get(self.level)

    def as_dict(self) -> dict:
        return {"id": self.id, "level": self.level, "direction": self.direction, "location": self.location,
                "message": self.message, "reason": self.reason, "operations": sorted(self.operations),
                "unreferenced": self.unreferenced}


def _types(schema: Mapping) -> frozenset[str] | None:
    """The set of JSON types a schema allows (None: any), ``nullable`` folded in."""
    t = schema.get("type")
    if t is None:
        if "const" in schema or "enum" in schema:
            values = [schema["const"]] if "const" in schema else list(schema.get("enum") or ())
            return frozenset(_json_type(v) for v in values) or None
        return None
    out = set(t) if isinstance(t, list) else {t}
    if schema.get("nullable") is True:
        out.add("null")
    return frozenset(out)


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _widen(types: frozenset[str]) -> frozenset[str]:
    return types | {"integer"} if "number" in types else types


def _enum(schema: Mapping) -> list | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _nullable(schema: Mapping) -> bool:
    t = schema.get("type")
    return schema.get("nullable") is True or t == "null" or (isinstance(t, list) and "null" in t)


def _fmt(v: Any) -> str:
    return repr(v) if not isinstance(v, str) else f"'{v}'"


class _Differ:
    def __init__(self, old: OpenApiDocument, new: OpenApiDocument) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        #: (direction, old component, new component) -> changes found inside it
        self.pair_changes: dict[tuple, list[Change]] = {}
        self.pair_children: dict[tuple, set[tuple]] = {}
        self.pair_ops: dict[tuple, set[str]] = {}
        self.visited: set[tuple[str, str]] = set()  # (direction, component name) compared in that direction

    # --- recording ---------------------------------------------------------------------------------

    def add(self, cid: str, direction: str, location: str, message: str, *, pair: tuple | None,
            op: str | None = None) -> None:
        change = Change(cid, direction, location, message, {op} if op else set())
        self.changes.append(change)
        if pair is not None:
            self.pair_changes.setdefault(pair, []).append(change)

    # --- operations --------------------------------------------------------------------------------

    def run(self, unreferenced: str) -> list[Change]:
        old_paths = self.old.data.get("paths") or {}
        new_paths = self.new.data.get("paths") or {}
        for path in old_paths:
            if path not in new_paths:
                deprecated = all((old_paths[path].get(m) or {}).get("deprecated") for m in _METHODS
                                 if m in old_paths[path])
                self.add("api-path-removed", "none", f"paths.{path}",
                         f"removed the path {path}" + (" (it was deprecated)" if deprecated else ""), pair=None)
        for path, new_item in new_paths.items():
            old_item = old_paths.get(path)
            for method in _METHODS:
                new_op = (new_item or {}).get(method)
                old_op = (old_item or {}).get(method) if old_item is not None else None
                op = f"{method.upper()} {path}"
                if new_op is None and old_op is not None:
                    self.add("api-removed", "none", op, f"removed the operation {op}", pair=None)
                elif new_op is not None and old_op is None:
                    self.add("endpoint-added", "none", op, f"added the operation {op}", pair=None)
                elif new_op is not None and old_op is not None:
                    self.operation(op, old_item, old_op, new_item, new_op)
        self.components(unreferenced)
        self.propagate_ops()
        order = {lvl: i for i, lvl in enumerate(LEVELS)}
        return sorted(self.changes, key=lambda c: (order[c.level], c.location, c.id, c.message))

    def operation(self, op: str, old_item: Mapping, old_op: Mapping, new_item: Mapping, new_op: Mapping) -> None:
        if old_op.get("operationId") and new_op.get("operationId") and old_op["operationId"] != new_op["operationId"]:
            self.add("api-operation-id-changed", "none", op,
                     f"operationId {old_op['operationId']} -> {new_op['operationId']}", pair=None, op=op)
        self.parameters(op, old_item, old_op, new_item, new_op)
        self.request_body(op, old_op, new_op)
        self.responses(op, old_op, new_op)

    def _params(self, doc: OpenApiDocument, item: Mapping, op: Mapping) -> dict[tuple[str, str], Mapping]:
        out: dict[tuple[str, str], Mapping] = {}
        for raw in [*(item.get("parameters") or ()), *(op.get("parameters") or ())]:
            p, _, _ = doc.resolve(raw)
            if isinstance(p, Mapping) and "name" in p:
                out[(p.get("in", "query"), p["name"])] = p
        return out

    def parameters(self, op: str, old_item, old_op, new_item, new_op) -> None:
        old_p = self._params(self.old, old_item, old_op)
        new_p = self._params(self.new, new_item, new_op)
        for key, p in new_p.items():
            where = f"{op} {key[0]} parameter '{key[1]}'"
            if key not in old_p:
                cid = "new-required-request-parameter" if p.get("required") else "new-optional-request-parameter"
                self.add(cid, "request", where, f"added the {key[0]} parameter '{key[1]}'", pair=None, op=op)
                continue
            was, now = bool(old_p[key].get("required")), bool(p.get("required"))
            if now and not was:
                self.add("request-parameter-became-required", "request", where, "became required", pair=None, op=op)
            elif was and not now:
                self.add("request-parameter-became-optional", "request", where, "became optional", pair=None, op=op)
            if "schema" in p or "schema" in old_p[key]:
                self.schema(old_p[key].get("schema") or {}, new_p[key].get("schema") or {}, "request",
                            where, pair=("op", op), op=op)
        for key in old_p:
            if key not in new_p:
                self.add("request-parameter-removed", "request", f"{op} {key[0]} parameter '{key[1]}'",
                         f"removed the {key[0]} parameter '{key[1]}'", pair=None, op=op)

    def request_body(self, op: str, old_op: Mapping, new_op: Mapping) -> None:
        old_b = self.old.resolve(old_op.get("requestBody"))[0] if old_op.get("requestBody") else None
        new_b = self.new.resolve(new_op.get("requestBody"))[0] if new_op.get("requestBody") else None
        where = f"{op} request body"
        if old_b is None and new_b is None:
            return
        if old_b is None:
            cid = "request-body-added-required" if new_b.get("required") else "request-body-added-optional"
            self.add(cid, "request", where, "added a request body", pair=None, op=op)
            return
        if new_b is None:
            self.add("request-body-removed", "request", where, "removed the request body", pair=None, op=op)
            return
        if new_b.get("required") and not old_b.get("required"):
            self.add("request-body-became-required", "request", where, "became required", pair=None, op=op)
        elif old_b.get("required") and not new_b.get("required"):
            self.add("request-body-became-optional", "request", where, "became optional", pair=None, op=op)
        self.content(op, old_b.get("content") or {}, new_b.get("content") or {}, "request", where)

    def responses(self, op: str, old_op: Mapping, new_op: Mapping) -> None:
        old_r = old_op.get("responses") or {}
        new_r = new_op.get("responses") or {}
        for status in new_r:
            if str(status) not in {str(s) for s in old_r}:
                success = str(status).startswith("2")
                cid = "response-success-status-added" if success else "response-non-success-status-added"
                self.add(cid, "response", f"{op} response {status}", f"added the response status {status}",
                         pair=None, op=op)
        for status, old_resp in old_r.items():
            new_resp = next((r for s, r in new_r.items() if str(s) == str(status)), None)
            where = f"{op} response {status}"
            if new_resp is None:
                success = str(status).startswith("2")
                cid = "response-success-status-removed" if success else "response-non-success-status-removed"
                self.add(cid, "response", where, f"removed the response status {status}", pair=None, op=op)
                continue
            old_res = self.old.resolve(old_resp)[0] or {}
            new_res = self.new.resolve(new_resp)[0] or {}
            self.content(op, old_res.get("content") or {}, new_res.get("content") or {}, "response", where)

    def content(self, op: str, old_c: Mapping, new_c: Mapping, direction: str, where: str) -> None:
        for media in new_c:
            if media not in old_c:
                self.add(f"{direction}-{'body-' if direction == 'request' else ''}media-type-added", direction,
                         where, f"added the media type {media}", pair=None, op=op)
        for media, old_m in old_c.items():
            if media not in new_c:
                self.add(f"{direction}-{'body-' if direction == 'request' else ''}media-type-removed", direction,
                         where, f"removed the media type {media}", pair=None, op=op)
                continue
            self.schema((old_m or {}).get("schema") or {}, (new_c[media] or {}).get("schema") or {}, direction,
                        f"{where} ({media})", pair=("op", op), op=op)

    # --- components --------------------------------------------------------------------------------

    def components(self, unreferenced: str) -> None:
        old_s, new_s = self.old.schemas, self.new.schemas
        for name in new_s:
            if name not in old_s:
                self.add("api-schema-added", "none", f"{_REF}{name}", f"added the component {name}", pair=None)
        for name in old_s:
            if name not in new_s:
                self.add("api-schema-removed", "none", f"{_REF}{name}", f"removed the component {name}", pair=None)
        first = len(self.changes)
        for name in new_s:
            if name in old_s and not any((d, name) in self.visited for d in ("request", "response")):
                ref = {"$ref": f"{_REF}{name}"}
                self.schema(ref, ref, unreferenced, f"{_REF}{name}", pair=None)
        for change in self.changes[first:]:
            change.unreferenced = True

    def propagate_ops(self) -> None:
        """Operations that reach a component reach every component inside it."""
        changed = True
        while changed:
            changed = False
            for parent, children in self.pair_children.items():
                ops = self.pair_ops.get(parent, set())
                for child in children:
                    have = self.pair_ops.setdefault(child, set())
                    if not ops <= have:
                        have |= ops
                        changed = True
        for pair, changes in self.pair_changes.items():
            for c in changes:
                c.operations |= self.pair_ops.get(pair, set())

    # --- schemas -----------------------------------------------------------------------------------

    def schema(self, old: Any, new: Any, direction: str, location: str, *, pair: tuple | None,
               op: str | None = None, prop_level: bool = False) -> None:
        """Compare two schema nodes (refs followed); changes inside a component pair go to that pair."""
        o, oname, _ = self.old.resolve(old)
        n, nname, _ = self.new.resolve(new)
        if pair is not None and pair[0] == "op":
            self.pair_ops.setdefault(pair, set()).add(pair[1])
        if oname or nname:
            key = (direction, oname, nname)
            if pair is not None:
                self.pair_children.setdefault(pair, set()).add(key)
            if op:
                self.pair_ops.setdefault(key, set()).add(op)
            if key in self.pair_changes:
                return  # compared already (or being compared: a recursive schema)
            self.pair_changes[key] = []
            for nm in (oname, nname):
                if nm:
                    self.visited.add((direction, nm))
            if oname == nname or oname is None or nname is None:
                loc = f"{_REF}{nname or oname}"
            else:
                loc = f"{_REF}{nname} (was {oname})"
            self.compare(o, n, direction, loc, key, prop_level=False)
            return
        self.compare(o, n, direction, location, pair, prop_level=prop_level)

    def compare(self, o: Any, n: Any, direction: str, loc: str, pair: tuple | None, *, prop_level: bool) -> None:
        if not isinstance(o, Mapping) or not isinstance(n, Mapping) or o is n:
            return
        kind = "property" if prop_level else "body"
        pre = f"{direction}-{kind}"

        def add(suffix: str, message: str) -> None:
            self.add(f"{pre}-{suffix}", direction, loc, message, pair=pair)

        # type
        ot, nt = _types(o), _types(n)
        ot_nn = ot - {"null"} if ot else ot
        nt_nn = nt - {"null"} if nt else nt
        if ot_nn != nt_nn and not (o.get("oneOf") or o.get("anyOf") or n.get("oneOf") or n.get("anyOf")):
            if ot_nn is None or (nt_nn is not None and ot_nn and _widen(nt_nn) < _widen(ot_nn)):
                add("type-specialized", f"type {_tset(ot_nn)} -> {_tset(nt_nn)}")
            elif nt_nn is None or (ot_nn is not None and _widen(ot_nn) <= _widen(nt_nn)):
                add("type-generalized", f"type {_tset(ot_nn)} -> {_tset(nt_nn)}")
            else:
                add("type-changed", f"type {_tset(ot_nn)} -> {_tset(nt_nn)}")
        if _nullable(o) != _nullable(n):
            add("became-nullable" if _nullable(n) else "became-not-nullable", "null is now allowed"
                if _nullable(n) else "null is no longer allowed")
        if o.get("format") != n.get("format") and ot_nn == nt_nn:
            add("format-changed", f"format {o.get('format')} -> {n.get('format')}")

        # enum / const
        oe, ne = _enum(o), _enum(n)
        if oe is not None and ne is not None:
            for v in ne:
                if v not in oe:
                    add("enum-value-added", f"added the value {_fmt(v)}")
            for v in oe:
                if v not in ne:
                    add("enum-value-removed", f"removed the value {_fmt(v)}")
        elif oe is None and ne is not None:
            add("became-enum", f"now limited to {', '.join(_fmt(v) for v in ne)}")
        elif oe is not None and ne is None:
            add("enum-removed", "no longer limited to a list of values")

        # bounds
        for attr, name in (("maximum", "max"), ("maxLength", "max-length"), ("maxItems", "max-items"),
                           ("minimum", "min"), ("minLength", "min-length"), ("minItems", "min-items")):
            ov, nv = o.get(attr), n.get(attr)
            if ov == nv:
                continue
            if ov is None:
                add(f"{name}-set", f"{attr} set to {nv}")
            elif nv is None:
                add(f"{name}-unset", f"{attr} {ov} removed")
            elif nv > ov:
                add(f"{name}-increased", f"{attr} {ov} -> {nv}")
            else:
                add(f"{name}-decreased", f"{attr} {ov} -> {nv}")
        if o.get("pattern") != n.get("pattern"):
            if o.get("pattern") is None:
                add("pattern-added", f"pattern {n.get('pattern')!r} added")
            elif n.get("pattern") is None:
                add("pattern-removed", f"pattern {o.get('pattern')!r} removed")
            else:
                add("pattern-changed", f"pattern {o.get('pattern')!r} -> {n.get('pattern')!r}")
        if "default" in o or "default" in n:
            if "default" not in o:
                add("default-value-added", f"default {_fmt(n['default'])} added")
            elif "default" not in n:
                add("default-value-removed", f"default {_fmt(o['default'])} removed")
            elif o["default"] != n["default"]:
                add("default-value-changed", f"default {_fmt(o['default'])} -> {_fmt(n['default'])}")

        # discriminator
        od = (o.get("discriminator") or {}).get("propertyName")
        nd = (n.get("discriminator") or {}).get("propertyName")
        if od and nd and od != nd:
            add("discriminator-property-name-changed", f"discriminator {od} -> {nd}")

        # unions
        o_any, n_any = _unconstrained(o), _unconstrained(n)
        if o_any != n_any:  # "any value" became a union (or the reverse): one narrowing, not N members
            if o_any and (n.get("oneOf") or n.get("anyOf")):
                add("type-specialized", f"any value -> {_union_text(self.new, n)}")
                return
            if n_any and (o.get("oneOf") or o.get("anyOf")):
                add("type-generalized", f"{_union_text(self.old, o)} -> any value")
                return
        for word, cid in (("oneOf", "one-of"), ("anyOf", "any-of")):
            if o.get(word) or n.get(word):
                om, nm = o.get(word) or [], n.get(word) or []
                # a schema wrapped into (or unwrapped from) a union: the single schema is one member
                if not om and not (o.get("oneOf") or o.get("anyOf")) and (o.get("type") or o.get("$ref")):
                    om = [o]
                if not nm and not (n.get("oneOf") or n.get("anyOf")) and (n.get("type") or n.get("$ref")):
                    nm = [n]
                self.union(om, nm, nd or od, direction, loc, pair, pre, cid)

        # objects
        self.properties(o, n, direction, loc, pair)
        oap, nap = o.get("additionalProperties"), n.get("additionalProperties")
        if oap is False and nap is not False and ("properties" in n or nap is not None):
            add("additional-properties-allowed", "undeclared fields are now allowed")
        elif nap is False and oap is not False:
            add("additional-properties-forbidden", "undeclared fields are now forbidden")
        elif isinstance(oap, Mapping) and isinstance(nap, Mapping):
            self.schema(oap, nap, direction, f"{loc}/additionalProperties", pair=pair, prop_level=True)

        # arrays
        if "items" in o and "items" in n:
            self.schema(o["items"], n["items"], direction, f"{loc}/items", pair=pair, prop_level=prop_level)

        # allOf: compared as merged properties above; member schemas by position for the rest
        for i, (oa, na) in enumerate(zip(o.get("allOf") or (), n.get("allOf") or (), strict=False)):
            if not (self._props(self.old, oa) or self._props(self.new, na)):
                self.schema(oa, na, direction, f"{loc}/allOf/{i}", pair=pair, prop_level=prop_level)

    def _props(self, doc: OpenApiDocument, schema: Any, depth: int = 0) -> tuple[dict, set]:
        """(properties, required) of a schema with its allOf parts merged."""
        s, _, _ = doc.resolve(schema)
        if not isinstance(s, Mapping) or depth > 20:
            return {}, set()
        props: dict = {}
        req: set = set()
        for part in s.get("allOf") or ():
            p, r = self._props(doc, part, depth + 1)
            props.update(p)
            req |= r
        props.update(s.get("properties") or {})
        req |= set(s.get("required") or ())
        return props, req

    def properties(self, o: Mapping, n: Mapping, direction: str, loc: str, pair: tuple | None) -> None:
        op_, oreq = self._props(self.old, o)
        np_, nreq = self._props(self.new, n)
        if not op_ and not np_:
            return
        hidden = "readOnly" if direction == "request" else "writeOnly"

        def hide(doc: OpenApiDocument, sub: Any) -> bool:
            target = doc.resolve(sub)[0]
            return bool((isinstance(sub, Mapping) and sub.get(hidden)) or
                        (isinstance(target, Mapping) and target.get(hidden)))

        closed = o.get("additionalProperties") is False
        for name, sub in np_.items():
            where = f"{loc}/properties/{name}"
            if name not in op_:
                if hide(self.new, sub):
                    continue
                if direction == "request":
                    cid = ("new-required-request-property" if name in nreq else
                           "new-optional-request-property-closed" if closed else "new-optional-request-property")
                else:
                    cid = "response-required-property-added" if name in nreq else "response-optional-property-added"
                self.add(cid, direction, where, f"added the {'required' if name in nreq else 'optional'} "
                                                f"property '{name}'", pair=pair)
                continue
            if hide(self.old, op_[name]) and hide(self.new, sub):
                continue
            was, now = name in oreq, name in nreq
            if was != now:
                cid = f"{direction}-property-became-{'required' if now else 'optional'}"
                self.add(cid, direction, where, f"'{name}' became {'required' if now else 'optional'}", pair=pair)
            self.schema(op_[name], sub, direction, where, pair=pair, prop_level=True)
        for name, sub in op_.items():
            if name in np_ or hide(self.old, sub):
                continue
            where = f"{loc}/properties/{name}"
            if direction == "request":
                cid = "request-property-removed"
            else:
                cid = "response-required-property-removed" if name in oreq else "response-optional-property-removed"
            self.add(cid, direction, where, f"removed the {'required' if name in oreq else 'optional'} "
                                            f"property '{name}'", pair=pair)

    # --- unions ------------------------------------------------------------------------------------

    def _member_key(self, doc: OpenApiDocument, member: Any, disc: str | None) -> str:
        s, name, _ = doc.resolve(member)
        if isinstance(s, Mapping):
            props, _ = self._props(doc, s)
            for prop in ([disc] if disc else []) + ["type", "event_type"]:
                if prop and prop in props:
                    target = doc.resolve(props[prop])[0]
                    values = _enum(target) if isinstance(target, Mapping) else None
                    if values and len(values) == 1 and isinstance(values[0], str):
                        return f"{prop}={values[0]}"
        if name:
            return name
        if isinstance(s, Mapping):
            if "items" in s:
                return f"array of {self._member_key(doc, s['items'], None)}"
            types = _types(s)
            if types:
                return "/".join(sorted(types))
        return "(any)"

    def union(self, old_m: list, new_m: list, disc: str | None, direction: str, loc: str, pair: tuple | None,
              pre: str, cid: str) -> None:
        old_k = _keyed([(self._member_key(self.old, m, disc), m) for m in old_m])
        new_k = _keyed([(self._member_key(self.new, m, disc), m) for m in new_m])
        for key, m in new_k.items():
            if key not in old_k:
                self.add(f"{pre}-{cid}-added", direction, loc, f"added the member {_label(self.new, m, key)}",
                         pair=pair)
        for key, m in old_k.items():
            if key not in new_k:
                self.add(f"{pre}-{cid}-removed", direction, loc, f"removed the member {_label(self.old, m, key)}",
                         pair=pair)
            else:
                self.schema(m, new_k[key], direction, f"{loc}/{cid}[{key}]", pair=pair)


_CONSTRAINING = ("type", "$ref", "oneOf", "anyOf", "allOf", "properties", "items", "enum", "const", "not")


def _unconstrained(schema: Mapping) -> bool:
    """A schema that allows any value (only annotations such as description)."""
    return not any(k in schema for k in _CONSTRAINING)


def _union_text(doc: OpenApiDocument, schema: Mapping) -> str:
    members = schema.get("oneOf") or schema.get("anyOf") or []
    names = [doc.resolve(m)[1] or _tset(_types(doc.resolve(m)[0] or {})) for m in members]
    return f"one of {', '.join(str(n) for n in names)}"


def _keyed(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Members by key; members that share a key (two inline objects) are told apart by their order."""
    out: dict[str, Any] = {}
    for key, member in pairs:
        k, n = key, 2
        while k in out:
            k, n = f"{key}#{n}", n + 1
        out[k] = member
    return out


def _label(doc: OpenApiDocument, member: Any, key: str) -> str:
    _, name, _ = doc.resolve(member)
    return f"{key} ({name})" if name and name != key else key


def _tset(types: frozenset[str] | None) -> str:
    return "any" if not types else "|".join(sorted(types))


def diff_documents(old: OpenApiDocument, new: OpenApiDocument, *, unreferenced: str = "response") -> list[Change]:
    """Every change from ``old`` to ``new``, most severe first (breaking for clients, for servers, compatible)."""
    return _Differ(old, new).run(unreferenced)
