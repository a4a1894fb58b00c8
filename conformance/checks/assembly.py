"""Fold block/step deltas into the block a GET would return, and compare the two.

Memory stays bounded however long a block's text grows: a text accumulator
keeps a running SHA-256 and, up to ``KEEP_CHARS``, the text itself. The
canonical form used for comparison replaces every string longer than
``DIGEST_OVER`` characters with its digest, so an assembled block compares
equal to the stored one without either side holding a 100 MB string twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ..profiles import BlockSpec, Profile

KEEP_CHARS = 1 << 20  # text kept verbatim per accumulator (evidence, strict validation)
DIGEST_OVER = 4096  # strings longer than this compare by digest
#: marks an assembled block that had unknown parts (an unknown type, an unknown delta): compared by type only
OPAQUE = "_iconf_opaque"


def _digest(text: str) -> str:
    return f"sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()}:{len(text)}"


class TextAccumulator:
    """Concatenates fragments with bounded memory."""

    __slots__ = ("_parts", "_kept", "_hash", "_length", "overflow")

    def __init__(self, initial: str = "") -> None:
        self._parts: list[str] = []
        self._kept = 0
        self._hash = hashlib.sha256()
        self._length = 0
        self.overflow = False
        if initial:
            self.append(initial)
        # the running hash covers the text only once it overflows (hashing every small fragment is costly)

    def append(self, fragment: str) -> None:
        if self.overflow:
            self._length += len(fragment)
            self._hash.update(fragment.encode("utf-8"))
            return
        kept = self._kept + len(fragment)
        if kept > KEEP_CHARS:
            # switch to hashing: digest what was kept, then keep only a prefix for evidence
            text = "".join(self._parts)
            self._hash.update(text.encode("utf-8"))
            self._hash.update(fragment.encode("utf-8"))
            self.overflow = True
            self._length = kept
            self._parts = [(text + fragment)[:256]]
            return
        self._kept = kept
        parts = self._parts
        parts.append(fragment)
        if len(parts) > 256:
            self._parts = ["".join(parts)]

    def value(self) -> str:
        """The text, or, past ``KEEP_CHARS``, a digest token equal to what :func:`canonical` makes of the full text."""
        if self.overflow:
            return f"sha256:{self._hash.hexdigest()}:{self._length}"
        return "".join(self._parts)

    def __len__(self) -> int:
        return self._length if self.overflow else self._kept


class BlockAssembler:
    """One block/step being assembled from its start event and deltas."""

    __slots__ = ("index", "kind", "spec", "block", "opaque", "sink", "_texts", "_args", "_content")

    def __init__(self, index: int, start: Mapping, spec: BlockSpec | None) -> None:
        self.index = index
        self.kind = start.get("type")
        self.spec = spec
        self.opaque = spec is None
        self.block: dict[str, Any] = dict(start)
        self._texts: dict[str, TextAccumulator] = {}
        self._args: TextAccumulator | None = None
        #: for content-list steps: list of content dicts; text items hold an accumulator under "_acc"
        self._content: list[dict] | None = None
        #: the ``append`` of the text a plain text delta goes to (see text_sink); None when it must be looked up
        self.sink: Any = None
        if spec is not None and spec.content_list:
            self._content = [dict(c) for c in start.get("content", []) if isinstance(c, Mapping)]
            for c in self._content:
                if c.get("type") == "text":
                    c["_acc"] = TextAccumulator(c.pop("text", "") or "")
        elif isinstance(start.get("text"), str):
            self._texts["text"] = TextAccumulator(start["text"])

    def text_sink(self) -> Any:
        """The ``append`` a plain text delta (no annotations) goes to, as :meth:`apply` would route it;
        cached in ``sink`` until the next :meth:`apply`, which may open a new content item."""
        if self._content is not None:
            last = self._content[-1] if self._content else None
            if last is None or last.get("type") != "text":
                last = {"type": "text", "_acc": TextAccumulator()}
                self._content.append(last)
            acc = last["_acc"]
        else:
            acc = self._texts.setdefault("text", TextAccumulator())
        self.sink = acc.append
        return self.sink

    def apply(self, delta: Mapping, merge: str) -> None:
        self.sink = None
        if merge == "text":
            text = delta.get("text", "")
            if not isinstance(text, str):
                return
            if self._content is not None:
                last = self._content[-1] if self._content else None
                if last is None or last.get("type") != "text":
                    last = {"type": "text", "_acc": TextAccumulator()}
                    self._content.append(last)
                last["_acc"].append(text)
            else:
                self._texts.setdefault("text", TextAccumulator()).append(text)
            if delta.get("annotations"):  # legacy text deltas may carry their citations
                target = self._content[-1] if self._content else self.block
                target.setdefault("annotations", []).extend(delta["annotations"])
        elif merge == "media":
            item = {k: v for k, v in delta.items()}
            if self._content is not None:
                self._content.append(item)
            else:
                self.block.update({k: v for k, v in item.items() if k != "type"})
        elif merge == "annotations":
            annotations = delta.get("annotations") or []
            target = self._content[-1] if self._content else self.block
            target.setdefault("annotations", []).extend(annotations)
        elif merge == "thought_summary":
            content = delta.get("content")
            if content is not None:
                self.block.setdefault("summary", []).append(content)
        elif merge == "thought_signature":
            if "signature" in delta:
                self.block["signature"] = delta["signature"]
        elif merge == "arguments":
            fragment = delta.get("arguments", "")
            if isinstance(fragment, str):
                if self._args is None:
                    self._args = TextAccumulator()
                self._args.append(fragment)
        else:  # "fields": the delta carries fields of the block itself
            for key, value in delta.items():
                if key == "type":
                    continue
                if key == "text" and isinstance(value, str):
                    self._texts.setdefault("text", TextAccumulator()).append(value)
                else:
                    self.block[key] = value

    def finish(self) -> tuple[dict, str | None]:
        """The assembled block, and an error message when streamed arguments are not a JSON object."""
        block = dict(self.block)
        for key, acc in self._texts.items():
            block[key] = acc.value()
        if self._content is not None:
            content = []
            for c in self._content:
                c = dict(c)
                acc = c.pop("_acc", None)
                if acc is not None:
                    c["text"] = acc.value()
                content.append(c)
            block["content"] = content
        if self.opaque:
            block[OPAQUE] = True
        problem = None
        if self._args is not None:
            raw = self._args.value()
            if self._args.overflow:
                problem = "streamed arguments exceed the size the checker parses"
            else:
                try:
                    parsed = json.loads(raw) if raw else {}
                except ValueError as exc:
                    parsed, problem = None, f"joined arguments_delta fragments are not JSON: {exc}"
                if parsed is not None:
                    if isinstance(parsed, dict):
                        block["arguments"] = parsed
                    else:
                        problem = "joined arguments_delta fragments are not a JSON object"
        return block, problem


# --- comparison ------------------------------------------------------------------------------------


def _merge_text_runs(items: list) -> list:
    out: list = []
    for item in items:
        if (
            isinstance(item, Mapping) and item.get("type") == "text" and set(item) <= {"type", "text"}
            and out and isinstance(out[-1], dict) and out[-1].get("type") == "text" and set(out[-1]) <= {"type", "text"}
        ):
            out[-1] = {"type": "text", "text": str(out[-1].get("text", "")) + str(item.get("text", ""))}
        else:
            out.append(dict(item) if isinstance(item, Mapping) else item)
    return out


def canonical(value: Any) -> Any:
    """Comparison form: adjacent plain text runs merged, long strings digested, None-valued keys dropped."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            if key in ("summary", "content") and isinstance(item, list):
                item = _merge_text_runs(item)
            out[key] = canonical(item)
        return out
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, str) and len(value) > DIGEST_OVER and not value.startswith("sha256:"):
        return _digest(value)
    return value


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """JSON pointer of the first place two canonical values differ, or None."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}/{i}")
            if found is not None:
                return found
        return None if len(a) == len(b) else f"{path}/{min(len(a), len(b))}"
    return None if a == b else (path or "/")


def model_items(profile: Profile, items: list) -> list:
    """The part of a resource's item list a stream of that interaction produces.

    In 2026-05-20 GET returns the whole timeline (input steps first); a
    stream carries what the model produced, which is the tail of it.
    """
    if profile.input_item_type is None:
        return list(items)
    i = 0
    while i < len(items) and isinstance(items[i], Mapping):
        spec = profile.blocks.get(items[i].get("type"))
        if spec is None or spec.model_produced:
            break
        i += 1
    return list(items[i:])
