"""Small OpenAPI documents for the diff tests: one operation, a request schema ``Req`` and a response ``Res``."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

OBJ = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


def document(req: dict | None = None, res: dict | None = None, *, extra: dict | None = None,
             paths: dict | None = None) -> dict:
    schemas = {"Req": copy.deepcopy(req if req is not None else OBJ),
               "Res": copy.deepcopy(res if res is not None else OBJ)}
    schemas.update(copy.deepcopy(extra or {}))
    op = {
        "operationId": "CreateThing",
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
        "responses": {"200": {"description": "ok",
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Res"}}}},
                      "default": {"description": "error"}},
    }
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": paths if paths is not None else {"/things": {"post": op}},
            "components": {"schemas": schemas}}


def write(tmp_path: Path, name: str, doc: dict) -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(doc))
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def obj(props: dict, required: list[str] | None = None, **extra) -> dict:
    out = {"type": "object", "properties": props, **extra}
    if required:
        out["required"] = required
    return out
