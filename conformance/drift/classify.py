"""The change catalogue: every kind of change ``iconf schema diff`` reports, its level and the reason.

Names follow the convention of OpenAPI change checkers such as oasdiff: ``<direction>-<what>-<change>``
(``request-property-enum-value-removed``, ``response-required-property-added``, ``endpoint-added``),
so a reader who knows one tool reads the other. The levels differ from oasdiff's ERR/WARN/INFO
because this project judges both sides of the wire:

* **breaking for clients**: a client written against OLD can fail against a server that follows NEW
  (it sends what NEW rejects, or meets what it was never told to expect);
* **breaking for servers**: a server written against OLD does not conform to NEW (it rejects what
  NEW lets clients send, or omits/sends what NEW forbids);
* **compatible**: neither.

The rule of thumb is the direction of the data. In a *request* (client -> server) narrowing what is
allowed breaks clients and widening it breaks servers; in a *response* (server -> client) widening
what may arrive breaks clients and narrowing it breaks servers. A change that breaks both sides is
filed under clients (an existing client is the party that cannot be fixed by the API owner).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BREAKS_CLIENTS", "BREAKS_SERVERS", "COMPATIBLE", "LEVELS", "Check", "CHECKS", "check"]

BREAKS_CLIENTS = "breaking-clients"
BREAKS_SERVERS = "breaking-servers"
COMPATIBLE = "compatible"
LEVELS = (BREAKS_CLIENTS, BREAKS_SERVERS, COMPATIBLE)
LEVEL_TEXT = {BREAKS_CLIENTS: "breaking for clients", BREAKS_SERVERS: "breaking for servers",
              COMPATIBLE: "compatible"}


@dataclass(frozen=True)
class Check:
    id: str
    level: str
    reason: str


_C, _S, _OK = BREAKS_CLIENTS, BREAKS_SERVERS, COMPATIBLE

_TABLE: list[tuple[str, str, str]] = [
    # --- paths and operations ---
    ("api-path-removed", _C, "clients calling any operation of this path get 404"),
    ("api-removed", _C, "clients calling this operation get 404 (or 405)"),
    ("endpoint-added", _S, "a server built to the old document does not implement the new operation"),
    ("api-operation-id-changed", _C, "generated clients name their methods after the operationId"),
    # --- parameters ---
    ("new-required-request-parameter", _C, "old clients do not send it and are rejected"),
    ("new-optional-request-parameter", _OK, "old clients omit it; servers treat it as absent"),
    ("request-parameter-removed", _C, "clients still send it; the server now ignores or rejects it"),
    ("request-parameter-became-required", _C, "clients that omit it are rejected"),
    ("request-parameter-became-optional", _S, "old servers still reject requests without it"),
    # --- request bodies ---
    ("request-body-added-required", _C, "old clients send no body and are rejected"),
    ("request-body-added-optional", _OK, "old clients send no body, which stays valid"),
    ("request-body-removed", _C, "clients still send a body the operation no longer declares"),
    ("request-body-became-required", _C, "clients that send no body are rejected"),
    ("request-body-became-optional", _S, "old servers still reject requests without a body"),
    ("request-body-media-type-added", _S, "old servers do not accept the new media type"),
    ("request-body-media-type-removed", _C, "clients sending this media type are rejected"),
    # --- responses ---
    ("response-success-status-added", _C, "clients meet a success status they were not written for"),
    ("response-success-status-removed", _S, "old servers still answer with this status"),
    ("response-non-success-status-added", _OK, "clients handle errors by class; a new error status adds no shape"),
    ("response-non-success-status-removed", _OK, "clients handle errors by class"),
    ("response-media-type-added", _C, "clients meet a body format they cannot read"),
    ("response-media-type-removed", _S, "old servers still answer in this media type"),
    # --- components ---
    ("api-schema-added", _OK, "a new component; what references it is reported where it is referenced"),
    ("api-schema-removed", _OK, "a component left the document; its uses are reported where they changed"),
]

# schema checks, generated for both directions and both kinds ("property" inside an object,
# "body" for the root of a component or an inline body): (suffix, request level, response level, reasons)
_SCHEMA: list[tuple[str, str, str, str, str]] = [
    ("type-changed", _C, _C, "the value's type changed incompatibly: senders and readers of the old type both break",
     "readers of the old type cannot read the new one"),
    ("type-generalized", _S, _C, "old servers reject the newly allowed types",
     "clients meet a type they were not written for"),
    ("type-specialized", _C, _S, "clients sending the no longer allowed types are rejected",
     "old servers may still send the no longer allowed types"),
    ("format-changed", _C, _C, "clients format the value the old way",
     "clients parse the value the old way"),
    ("enum-value-added", _S, _C, "old servers reject the new value",
     "clients that switch over the known values meet one they do not know"),
    ("enum-value-removed", _C, _S, "clients sending the value are rejected",
     "old servers still send the value"),
    ("became-enum", _C, _S, "clients sending other values are rejected", "old servers may send other values"),
    ("enum-removed", _S, _C, "old servers reject values outside the old list",
     "clients meet values outside the old list"),
    ("one-of-added", _S, _C, "old servers reject the new alternative", "clients meet an alternative they do not know"),
    ("one-of-removed", _C, _S, "clients sending this alternative are rejected",
     "old servers still send this alternative"),
    ("any-of-added", _S, _C, "old servers reject the new alternative", "clients meet an alternative they do not know"),
    ("any-of-removed", _C, _S, "clients sending this alternative are rejected",
     "old servers still send this alternative"),
    ("became-nullable", _S, _C, "old servers reject null", "clients meet null where a value was promised"),
    ("became-not-nullable", _C, _S, "clients sending null are rejected", "old servers may still send null"),
    ("discriminator-property-name-changed", _C, _C, "the union is now told apart by another field",
     "the union is now told apart by another field"),
    ("max-decreased", _C, _S, "clients sending values up to the old maximum are rejected",
     "old servers may send values up to the old maximum"),
    ("max-increased", _S, _C, "old servers reject values above the old maximum",
     "clients meet values above the old maximum"),
    ("max-set", _C, _S, "clients sending larger values are rejected", "old servers may send larger values"),
    ("max-unset", _S, _C, "old servers reject values above the old maximum", "clients meet larger values"),
    ("min-increased", _C, _S, "clients sending values down to the old minimum are rejected",
     "old servers may send values down to the old minimum"),
    ("min-decreased", _S, _C, "old servers reject values below the old minimum",
     "clients meet values below the old minimum"),
    ("min-set", _C, _S, "clients sending smaller values are rejected", "old servers may send smaller values"),
    ("min-unset", _S, _C, "old servers reject values below the old minimum", "clients meet smaller values"),
    ("pattern-added", _C, _S, "clients sending values outside the pattern are rejected",
     "old servers may send values outside the pattern"),
    ("pattern-removed", _S, _C, "old servers reject values outside the old pattern",
     "clients meet values outside the old pattern"),
    ("pattern-changed", _C, _C, "values valid under one pattern may be invalid under the other",
     "values valid under one pattern may be invalid under the other"),
    ("default-value-changed", _C, _OK, "clients that omit the value get different behaviour",
     "a response default is documentation"),
    ("default-value-removed", _C, _OK, "clients that omit the value no longer know what they get",
     "a response default is documentation"),
    ("default-value-added", _OK, _OK, "clients that omit the value keep working", "a response default is documentation"),
    ("additional-properties-forbidden", _C, _S, "clients sending undeclared fields are rejected",
     "old servers may send undeclared fields"),
    ("additional-properties-allowed", _S, _C, "old servers reject undeclared fields",
     "clients with strict parsing meet undeclared fields"),
]

# property existence and requiredness (fixed names, as oasdiff spells them)
_PROPS: list[tuple[str, str, str]] = [
    ("new-required-request-property", _C, "old clients do not send it and are rejected"),
    ("new-optional-request-property", _OK, "old clients omit it; old servers ignore undeclared fields"),
    ("new-optional-request-property-closed", _S, "the object forbids undeclared fields: old servers reject it"),
    ("request-property-removed", _C, "clients still send it; the server now ignores or rejects it"),
    ("request-property-became-required", _C, "clients that omit it are rejected"),
    ("request-property-became-optional", _S, "old servers still reject requests without it"),
    ("response-required-property-added", _S, "old servers do not send it"),
    ("response-optional-property-added", _OK, "clients ignore fields they do not know; old servers may omit it"),
    ("response-required-property-removed", _C, "clients read a field that is no longer sent"),
    ("response-optional-property-removed", _C, "clients that read the field no longer get it"),
    ("response-property-became-optional", _C, "clients relying on the field may not get it"),
    ("response-property-became-required", _S, "old servers may omit it"),
]


#: bounds: ``max``/``min`` (maximum/minimum) have ``-length`` and ``-items`` variants with the same levels
_BOUND_VARIANTS = ("length", "items")


def _bounds() -> list[tuple[str, str, str, str, str]]:
    out = []
    for suffix, *rest in _SCHEMA:
        side, _, change = suffix.partition("-")
        if side in ("max", "min"):
            unit = {"length": "length", "items": "number of items"}
            for variant in _BOUND_VARIANTS:
                reasons = [r.replace("values", f"values (by {unit[variant]})") for r in rest[2:]]
                out.append((f"{side}-{variant}-{change}", rest[0], rest[1], *reasons))
    return out


def _build() -> dict[str, Check]:
    checks = {cid: Check(cid, level, reason) for cid, level, reason in _TABLE + _PROPS}
    for suffix, req_level, resp_level, req_reason, resp_reason in _SCHEMA + _bounds():
        for kind in ("property", "body"):
            checks[f"request-{kind}-{suffix}"] = Check(f"request-{kind}-{suffix}", req_level, req_reason)
            checks[f"response-{kind}-{suffix}"] = Check(f"response-{kind}-{suffix}", resp_level, resp_reason)
    return checks


#: every check by its stable name
CHECKS: dict[str, Check] = _build()


def check(cid: str) -> Check:
    return CHECKS[cid]
