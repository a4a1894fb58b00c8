"""Test helpers for the mock server: an in-process sync client, SSE parsing and an assembler.

The assembler here is deliberately small and independent of conformance.checks:
these tests prove the server right on their own terms.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path

import anyio.from_thread
import httpx
import yaml

from conformance.mock import MockConfig, create_app

HEADER = {"legacy": "2026-05-07", "2026-05-20": "2026-05-20"}
REVISIONS = ("legacy", "2026-05-20")
MODEL = "gemini-2.5-flash"
ROOT = Path(__file__).resolve().parents[2]


class Client:
    """A synchronous httpx-like client over httpx.ASGITransport, driven through an anyio portal."""

    def __init__(self, config: MockConfig, revision: str | None = None) -> None:
        self.app = create_app(config)
        self.revision = revision
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://mock")

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        if self.revision is not None and "Api-Revision" not in headers:
            headers["Api-Revision"] = HEADER[self.revision]
        return self._portal.call(self._send, method, url, headers, kw)

    async def _send(self, method: str, url: str, headers: dict, kw: dict) -> httpx.Response:
        response = await self._client.request(method, url, headers=headers, **kw)
        await response.aread()
        return response

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    # conveniences ------------------------------------------------------------------------------
    def create(self, input="Hello", *, status: int = 200, **fields) -> dict:
        headers = fields.pop("headers", None)
        body = {"model": MODEL, "input": input, **fields}
        response = self.post("/v1beta/interactions", json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    def fetch(self, iid: str, **params) -> httpx.Response:
        return self.get(f"/v1beta/interactions/{iid}", params=params)

    def stream(self, input="Hello", **fields) -> list[tuple[str, dict]]:
        response = self.post("/v1beta/interactions", json={"model": MODEL, "input": input, "stream": True, **fields})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(response.text)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


def parse_sse(text: str) -> list[tuple[str | None, dict | str]]:
    """Frames as (event name, parsed data); data that is not JSON stays a string."""
    frames = []
    for chunk in text.split("\n\n"):
        if not chunk.strip():
            continue
        name, data = None, []
        for line in chunk.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        raw = "\n".join(data)
        try:
            frames.append((name, json.loads(raw)))
        except json.JSONDecodeError:
            frames.append((name, raw))
    return frames


def assemble(frames, profile) -> list[dict]:
    """Fold block start/delta events into items, the way a client would."""
    g = profile.grammar
    items: dict[int, dict] = {}
    args: dict[int, str] = {}
    for _, ev in frames:
        if not isinstance(ev, dict):
            continue
        kind = ev.get("event_type")
        if kind == g.block_start:
            items[ev["index"]] = json.loads(json.dumps(ev[g.block_field]))
        elif kind == g.block_delta:
            item, delta = items[ev["index"]], dict(ev["delta"])
            dtype = delta.pop("type")
            if item["type"] == "model_output":
                content = item.setdefault("content", [])
                if dtype == "text":
                    if content and content[-1]["type"] == "text" and "annotations" not in content[-1]:
                        content[-1]["text"] += delta["text"]
                    else:
                        content.append({"type": "text", "text": delta["text"]})
                elif dtype == "text_annotation_delta":
                    content[-1].setdefault("annotations", []).extend(delta["annotations"])
                else:
                    content.append({"type": dtype, **delta})
            elif dtype == "text":
                item["text"] = item.get("text", "") + delta["text"]
                if "annotations" in delta:
                    item.setdefault("annotations", []).extend(delta["annotations"])
            elif dtype == "thought_summary":
                item.setdefault("summary", []).append(delta["content"])
            elif dtype == "thought_signature":
                item["signature"] = delta["signature"]
            elif dtype == "arguments_delta":
                args[ev["index"]] = args.get(ev["index"], "") + delta["arguments"]
            else:
                item.update(delta)
    for index, text in args.items():
        items[index]["arguments"] = json.loads(text)
    return [items[i] for i in sorted(items)]


def events_only(frames) -> list[dict]:
    return [ev for _, ev in frames if isinstance(ev, dict)]


def items_of(body: dict) -> list[dict]:
    return body.get("outputs", body.get("steps", []))


def texts(body: dict) -> str:
    out = []
    for item in items_of(body):
        if item["type"] == "text":
            out.append(item["text"])
        elif item["type"] == "model_output":
            out += [c["text"] for c in item.get("content", []) if c["type"] == "text"]
    return "".join(out)


def flat_blocks(body: dict) -> list[dict]:
    """Items with model_output steps flattened into their content blocks."""
    out = []
    for item in items_of(body):
        out += item.get("content", []) if item["type"] == "model_output" else [item]
    return out


def b64decode(data: str) -> bytes:
    return base64.b64decode(data, validate=True)


@cache
def _document(revision: str) -> dict:
    name = {"legacy": "interactions-legacy.openapi.yaml", "2026-05-20": "interactions-2026-05-20.openapi.yaml"}
    return yaml.safe_load((ROOT / "schemas" / name[revision]).read_text())


def schema_errors(revision: str, component: str, instance) -> list[str]:
    """Validate against a component of the authored OpenAPI document with plain jsonschema."""
    import jsonschema

    doc = _document(revision)
    schema = {"$ref": f"#/components/schemas/{component}", "components": doc["components"]}
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(instance)]
