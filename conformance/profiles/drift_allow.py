"""Items of the newest SDKs' Interactions surface that a profile leaves out on purpose, with the reason.

``iconf drift --sdk SPEC`` lists what an SDK's typed models have that the profile (its tables and
its OpenAPI document) lacks. An entry here says "we know, and it is deliberately not in the
profile": the key is an item (``field Interaction.output_text``) or an ``fnmatch`` pattern
(``enum *.model=*``), the value is the reason, printed next to the item. ``iconf drift`` flags
entries that no longer match anything, so the list shrinks as the profile catches up.
See docs/drift.md for the item syntax.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DRIFT_ALLOW_2026_05_20", "DRIFT_ALLOW_LEGACY"]

_COMMON: dict[str, str] = {
    "enum *.model=*": "model names are an open list (any model id string is accepted); the SDKs list the "
                      "current ones for autocompletion, they are not part of the wire contract",
}

DRIFT_ALLOW_2026_05_20: Mapping[str, str] = MappingProxyType({
    **_COMMON,
    "field Interaction.output_*": "SDK convenience accessors (output_text/_image/_audio/_video) the SDKs derive "
                                  "from the trailing model_output steps; their typings say 'added by the SDK', "
                                  "the server never sends them",
    "field Interaction.continuation_ids": "filled in by the SDKs' automatic continuation (the ids of the hops "
                                          "they merged into one result); their typings say 'added by the SDK', "
                                          "the server never sends it",
})

DRIFT_ALLOW_LEGACY: Mapping[str, str] = MappingProxyType({
    **_COMMON,
    "field CreateInteraction.api_version": "google-genai 1.x carries the {api_version} path parameter in its "
                                           "create-params type; it is part of the URL, not of the request body",
})
