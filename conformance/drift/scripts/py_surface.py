"""Describe the Interactions types of an installed google-genai as JSON Schema (run inside the SDK's venv).

The SDK's models are pydantic models, and pydantic describes a model as JSON Schema itself
(``TypeAdapter(...).json_schema()``), so nothing here parses Python source. Prints one JSON object:
``{"sdk", "version", "roots": {resource, create: [...], events}, "$defs": {...}, "sources": {...}}``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys

#: where the Interactions types live, newest layout first
MODULES = ("google.genai._gaos.types.interactions", "google.genai._interactions.types", "google.genai.types")
ROOTS = {
    "resource": ("Interaction",),
    "events": ("InteractionSSEEvent", "InteractionSseEvent", "InteractionSSEStreamEvent"),
    "model": ("CreateModelInteraction", "CreateModelInteractionParams", "CreateModelInteractionParamsNonStreaming"),
    "agent": ("CreateAgentInteraction", "CreateAgentInteractionParams", "CreateAgentInteractionParamsNonStreaming"),
}
#: submodules that hold the create-request types in the older (1.x, Stainless) layout
SUBMODULES = ("interaction_create_params",)


def main() -> int:
    import pydantic
    from google.genai import version

    module = None
    for name in MODULES:
        try:
            candidate = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(candidate, "Interaction"):
            module = candidate
            break
    if module is None:
        print(json.dumps({"error": f"no Interactions types in any of {', '.join(MODULES)}"}))
        return 1
    defs: dict = {}
    sources: dict = {}
    roots: dict = {"create": []}
    scopes = [module]
    for sub in SUBMODULES:
        try:
            scopes.append(importlib.import_module(f"{module.__name__}.{sub}"))
        except ImportError:
            pass
    for role, names in ROOTS.items():
        for name in names:
            obj = next((getattr(m, name) for m in scopes if hasattr(m, name)), None)
            if obj is None:
                continue
            schema = pydantic.TypeAdapter(obj).json_schema(mode="validation")
            defs.update(schema.pop("$defs", {}))
            if "properties" in schema or "anyOf" in schema or "oneOf" in schema:
                defs.setdefault(name, schema)
            if role in ("model", "agent"):
                roots["create"].append(name)
            else:
                roots[role] = name
            break
    for name in defs:
        obj = next((getattr(m, name) for m in scopes if hasattr(m, name)), None)
        try:
            sources[name] = f"{inspect.getmodule(obj).__name__}.{name}" if obj is not None else name
        except AttributeError:
            sources[name] = name
    print(json.dumps({"sdk": "google-genai", "version": version.__version__, "module": module.__name__,
                      "roots": roots, "$defs": defs, "sources": sources}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
