"""YAML 1.1 pitfalls in the authored documents: a bare ``off``/``on``/``yes``/``no`` in an enum is a boolean.

PyYAML loads ``- off`` as ``False``; in a ``type: string`` enum that silently drops the value the API
sends (``SafetySetting.threshold: "off"``) and ``iconf drift`` reports it as missing. Every enum
value of a string schema must load as a string.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

SCHEMAS = sorted((Path(__file__).resolve().parents[2] / "schemas").glob("*.openapi.yaml"))


def _string_enums(node: Any, path: str = "") -> Iterator[tuple[str, list]]:
    if isinstance(node, dict):
        if node.get("type") == "string" and isinstance(node.get("enum"), list):
            yield path, node["enum"]
        for key, value in node.items():
            yield from _string_enums(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _string_enums(value, f"{path}/{i}")


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_string_enums_hold_strings(path):
    doc = yaml.safe_load(path.read_text())
    bad = [(where, v) for where, values in _string_enums(doc) for v in values if not isinstance(v, str)]
    assert not bad, f"non-string enum values (quote them in the YAML): {bad}"
