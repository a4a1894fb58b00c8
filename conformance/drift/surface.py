"""The Interactions *surface* of a type graph: the names a client and a server must agree on.

Both sides of a drift check are first turned into the same shape, a JSON Schema graph (named
definitions that reference each other): the SDKs describe themselves that way (pydantic's
``model_json_schema``; the TypeScript declarations through the compiler API), and a profile's OpenAPI
document already is one. This module then reads the same items out of any such graph, so the two
sides are compared item by item rather than type name by type name (the SDKs rename types freely:
``ErrorEvent_2``, ``CreateModelInteraction`` vs ``CreateModelInteractionParams``).

An item is a short stable string, ``<kind> <name>``:

=============  ==========================================  =========================================
kind           name                                        read from
=============  ==========================================  =========================================
``status``     ``in_progress``                             the resource's ``status`` enum
``event``      ``step.start``                              ``event_type`` of each member of the event union
``step``       ``model_output``                            ``type`` of each member of the items list
``content``    ``text``                                    ``type`` of the content blocks (legacy: the items)
``delta``      ``text``                                    ``type`` of each member of the block-delta union
``annotation`` ``url_citation``                            ``type`` of the members of a text's ``annotations``
``tool``       ``google_search``                           ``type`` of the members of the request's ``tools``
``field``      ``Interaction.steps``, ``step:thought.summary``  a property of the resource, the create request,
                                                            an event or a typed member above
``enum``       ``CreateInteraction.generation_config.thinking_level=high``  a string enum value under one
                                                            of the owners above
=============  ==========================================  =========================================

Members without a type value (the SDKs' ``Unknown*`` catch-alls) are not items.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Graph", "Surface", "extract", "KINDS"]

KINDS = ("status", "event", "step", "content", "delta", "annotation", "tool", "field", "enum")
#: how deep ``enum`` items are looked for below their owner (properties, through arrays and unions)
ENUM_DEPTH = 3


@dataclass
class Graph:
    """Named JSON Schema definitions; a ``$ref`` names its target by its last path segment."""

    defs: Mapping[str, Any]
    #: def name -> where it comes from (a module path, ``dist/genai.d.ts:9477``, ``#/components/schemas/X``)
    sources: Mapping[str, str] = field(default_factory=dict)

    def deref(self, schema: Any) -> tuple[Any, str | None]:
        """(schema behind any chain of ``$ref``s, the last def name on the way)."""
        name = None
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 50:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.defs.get(name, {})
            seen += 1
        return schema, name

    def where(self, name: str | None) -> str:
        if name is None:
            return "(inline)"
        return self.sources.get(name, name)

    def members(self, schema: Any, _depth: int = 0) -> list[tuple[Any, str | None]]:
        """The alternatives of a union (oneOf/anyOf, nested, nulls dropped), each dereferenced."""
        schema, name = self.deref(schema)
        if not isinstance(schema, Mapping) or _depth > 10:
            return []
        alts = schema.get("oneOf") or schema.get("anyOf")
        if not alts:
            return [(schema, name)]
        out: list[tuple[Any, str | None]] = []
        for alt in alts:
            out.extend(self.members(alt, _depth + 1))
        return [(s, n) for s, n in out if not (isinstance(s, Mapping) and s.get("type") == "null")]

    def properties(self, schema: Any) -> dict[str, Any]:
        """Properties of an object schema, ``allOf`` parts merged."""
        schema, _ = self.deref(schema)
        if not isinstance(schema, Mapping):
            return {}
        props: dict[str, Any] = {}
        for part in schema.get("allOf") or ():
            props.update(self.properties(part))
        props.update(schema.get("properties") or {})
        return props

    def array_items(self, schema: Any) -> Any | None:
        """The ``items`` of the array form of a schema (also inside a nullable/any union)."""
        for member, _ in self.members(schema):
            if isinstance(member, Mapping) and (member.get("type") == "array" or "items" in member):
                return member.get("items", {})
        return None

    def literal(self, schema: Any) -> str | None:
        """The one string a schema allows (``const`` or a one-value ``enum``), else None."""
        schema, _ = self.deref(schema)
        if not isinstance(schema, Mapping):
            return None
        if isinstance(schema.get("const"), str):
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
            return enum[0]
        return None

    def enum_values(self, schema: Any) -> list[str]:
        """String values an enum-like schema lists (``enum``, ``const``, or a union of them)."""
        values: list[str] = []
        for member, _ in self.members(schema):
            if not isinstance(member, Mapping):
                continue
            if isinstance(member.get("const"), str):
                values.append(member["const"])
            for v in member.get("enum") or ():
                if isinstance(v, str):
                    values.append(v)
        return values

    def typed_members(self, schema: Any, prop: str = "type") -> Iterator[tuple[str, Any, str | None]]:
        """(discriminator value, member schema, def name) of each member of a union that has one."""
        for member, name in self.members(schema):
            value = self.literal(self.properties(member).get(prop))
            if value is not None:
                yield value, member, name


@dataclass
class Surface:
    """Items and where each was found (the first place, for the report)."""

    label: str
    items: dict[str, str] = field(default_factory=dict)

    def add(self, item: str, where: str) -> None:
        self.items.setdefault(item, where)

    def __contains__(self, item: str) -> bool:
        return item in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.items))


def _visible(graph: Graph, sub: Any, hide: str | None) -> bool:
    """False for a property flagged ``hide`` (``readOnly`` in a request, ``writeOnly`` in a response)."""
    if hide is None:
        return True
    target, _ = graph.deref(sub)
    return not ((isinstance(sub, Mapping) and sub.get(hide)) or (isinstance(target, Mapping) and target.get(hide)))


def _fields(surface: Surface, graph: Graph, owner: str, schema: Any, name: str | None,
            hide: str | None = None, skip: Iterable[str] = ("type", "event_type")) -> None:
    """``field`` items for the properties of an owner (its discriminator is the owner's own item)."""
    for prop, sub in graph.properties(schema).items():
        if prop in skip or not _visible(graph, sub, hide):
            continue
        surface.add(f"field {owner}.{prop}", f"{graph.where(name)}.{prop}")


def _enums(surface: Surface, graph: Graph, owner: str, schema: Any, name: str | None,
           skip: Iterable[str] = ("type", "event_type"), hide: str | None = None) -> None:
    """``enum`` items under an owner: string enums of its properties and of unnamed/non-typed objects below."""

    def walk(node: Any, path: str, where: str, depth: int, seen: frozenset) -> None:
        for prop, sub in graph.properties(node).items():
            if (depth == 0 and prop in skip) or not _visible(graph, sub, hide):
                continue
            here = f"{path}.{prop}"
            values = graph.enum_values(sub)
            for v in values:
                surface.add(f"enum {here}={v}", f"{where}.{prop}")
            if depth + 1 >= ENUM_DEPTH:
                continue
            targets = [sub]
            items = graph.array_items(sub)
            if items is not None:
                targets.append(items)
            for target in targets:
                for member, mname in graph.members(target):
                    if not isinstance(member, Mapping) or not graph.properties(member):
                        continue
                    if graph.literal(graph.properties(member).get("type")) is not None:
                        continue  # a typed member is an owner of its own
                    key = mname or f"{here}#inline"
                    if key in seen:
                        continue
                    walk(member, here, graph.where(mname) if mname else f"{where}.{prop}", depth + 1, seen | {key})

    walk(schema, owner, graph.where(name), 0, frozenset({name or owner}))


def _typed(surface: Surface, graph: Graph, kind: str, schema: Any, *, prop: str = "type") -> list[tuple[str, Any, str | None]]:
    found = list(_known(graph.typed_members(schema, prop)))
    for value, member, name in found:
        surface.add(f"{kind} {value}", graph.where(name))
        _fields(surface, graph, f"{kind}:{value}", member, name)
        _enums(surface, graph, f"{kind}:{value}", member, name)
    return found


def extract(graph: Graph, *, label: str, resource: str, create: Iterable[str], events: str | None,
            items_field: str = "steps", block_delta: str | None = None) -> Surface:
    """Read the surface out of a graph, given the def names of the resource, create requests and event union.

    ``items_field`` is ``steps`` (2026-05-20: step items) or ``outputs`` (legacy: content items);
    ``block_delta`` names the delta event (``step.delta``/``content.delta``) whose ``delta`` union gives
    the delta types; when None, any event with a ``delta`` property is used.
    """
    s = Surface(label)
    ref = {"$ref": f"#/{resource}"}
    res, res_name = graph.deref(ref)
    for v in graph.enum_values(graph.properties(res).get("status")):
        s.add(f"status {v}", f"{graph.where(res_name)}.status")
    # writeOnly fields of the resource still count: the document declares them there (the official
    # documents flag create settings such as generation_config writeOnly; the SDKs' resource types list them)
    _fields(s, graph, "Interaction", res, res_name)
    _enums(s, graph, "Interaction", res, res_name, skip=("type", "event_type", "status", items_field))

    item_kind = "step" if items_field == "steps" else "content"
    items = graph.array_items(graph.properties(res).get(items_field)) or {}
    item_members = _typed(s, graph, item_kind, items)

    # content blocks: inside the steps (content lists) and the input forms
    content_unions: list[Any] = []
    for _value, member, _name in item_members:
        content = graph.properties(member).get("content")
        arr = graph.array_items(content) if content is not None else None
        if arr is not None:
            content_unions.append(arr)
    for create_name in create:
        req, _ = graph.deref({"$ref": f"#/{create_name}"})
        inp = graph.properties(req).get("input")
        if inp is None:
            continue
        content_unions.append(inp)
        for member, _ in graph.members(inp):
            arr = graph.array_items(member)
            if arr is not None:
                content_unions.append(arr)
    content_members: list[tuple[str, Any, str | None]] = []
    for union in content_unions:
        for value, member, name in _known(graph.typed_members(union)):
            if item_kind == "step" and f"step {value}" in s and value not in ("text", *_MEDIA):
                continue  # a step listed in an input form (Step[] input), already an item
            if f"content {value}" not in s:
                content_members.append((value, member, name))
            s.add(f"content {value}", graph.where(name))
            _fields(s, graph, f"content:{value}", member, name)
            _enums(s, graph, f"content:{value}", member, name)

    # annotations of text blocks
    for value, member, _name in [*content_members, *item_members]:
        if value == "text":
            ann = graph.array_items(graph.properties(member).get("annotations"))
            if ann is not None:
                _typed(s, graph, "annotation", ann)

    # create requests
    tools_seen = False
    for create_name in create:
        req, req_name = graph.deref({"$ref": f"#/{create_name}"})
        _fields(s, graph, "CreateInteraction", req, req_name, hide="readOnly")
        _enums(s, graph, "CreateInteraction", req, req_name, skip=("type", "input", "tools"), hide="readOnly")
        tools = graph.array_items(graph.properties(req).get("tools"))
        if tools is not None and not tools_seen:
            _typed(s, graph, "tool", tools)
            tools_seen = True

    # events
    if events:
        for value, member, name in _known(graph.typed_members({"$ref": f"#/{events}"}, "event_type")):
            s.add(f"event {value}", graph.where(name))
            _fields(s, graph, f"event:{value}", member, name)
            _enums(s, graph, f"event:{value}", member, name, skip=("event_type", "interaction", "step", "content",
                                                                  "delta", "status"))
            if (block_delta is None or value == block_delta) and "delta" in graph.properties(member):
                for dvalue, dmember, dname in _known(graph.typed_members(graph.properties(member)["delta"])):
                    s.add(f"delta {dvalue}", graph.where(dname))
                    _fields(s, graph, f"delta:{dvalue}", dmember, dname)
                    ann = graph.array_items(graph.properties(dmember).get("annotations"))
                    if ann is not None:
                        _typed(s, graph, "annotation", ann)
    return s


_MEDIA = ("image", "audio", "document", "video")


def _known(members: Iterable[tuple[str, Any, str | None]]) -> list[tuple[str, Any, str | None]]:
    """Drop the SDKs' catch-all members (``UnknownStep`` and friends, type value ``UNKNOWN``)."""
    return [(v, m, n) for v, m, n in members if v != "UNKNOWN" and not (n or "").startswith("Unknown")]
