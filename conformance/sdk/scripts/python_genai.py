#!/usr/bin/env python3
"""Scenario script: google-genai (Python) 1.x, 2.x and 3.x against an Interactions API server.

Run it through the harness, which starts the mock behind the validating
proxy and sets the environment:

    iconf client --revision legacy -- python conformance/sdk/scripts/python_genai.py    # google-genai 1.x
    iconf client -- python conformance/sdk/scripts/python_genai.py                      # google-genai 3.x

It reads GOOGLE_GEMINI_BASE_URL, GEMINI_API_KEY / GOOGLE_API_KEY and
GOOGLE_GENAI_API_VERSION. Each step checks that the SDK handed back what the
server sent: the text, function call and status the SDK reports are
compared with the same interaction fetched raw over HTTP (GET, no SDK). The
inputs carry mock directives (``[iconf: ...]``); a real model reads them as
plain text. Exit status 0 when every step passed, 1 with a message naming
the step otherwise.

Today's features are feature-detected, so one script serves every release:
SDKs that type the newer request fields (tool_search, service_tier
``deferred``, thinking_level ``xhigh``) and steps (retrieval, processing,
annotations, model_output.error) run those steps, SDKs with automatic
continuation run the continuation steps (unary and streamed); older SDKs
print ``skip <step>: <why>`` for them.

``--robustness-case [CASE]`` (CASE defaults to $ICONF_ROBUSTNESS_CASE, which
``iconf client --robustness`` sets) runs only the streaming and get part, for
the mock's robustness modes: SDK exceptions propagate (a traceback naming the
SDK's error class), a wrong result exits 1 with ``FAIL robustness: ...``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.request
import warnings

warnings.simplefilter("ignore")

from google import genai  # noqa: E402
from google.genai import types  # noqa: E402

MODEL = os.environ.get("ICONF_MODEL", "gemini-2.5-flash")
VERSION = genai.__version__
MAJOR = int(VERSION.split(".")[0])
#: the SDK 1.x speaks the legacy revision (outputs, content.* events); 2.x and later 2026-05-20 (steps, step.*)
ITEMS = "outputs" if MAJOR < 2 else "steps"
API_VERSION = os.environ.get("GOOGLE_GENAI_API_VERSION") or ("v1beta" if MAJOR < 3 else "v1")
BASE_URL = os.environ.get("GOOGLE_GEMINI_BASE_URL", "https://generativelanguage.googleapis.com").rstrip("/")
KEY = os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY") or ""
TERMINAL = {"completed", "failed", "cancelled", "incomplete", "requires_action"}


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


#: the SDK types today's additions (API-FACTS §9): tool_search and the other newer steps and enums
HAS_TODAY = MAJOR >= 2 and _has_module("google.genai._gaos.types.interactions.toolsearch")
#: the SDK continues requires_continuation answers by itself (automatic_continuation, on by default)
HAS_CONTINUATION = MAJOR >= 2 and _has_module("google.genai._interactions_continuation")
POLL_TIMEOUT = float(os.environ.get("ICONF_POLL_TIMEOUT", "30"))


class StepFailed(Exception):
    pass


class StepSkipped(Exception):
    """The SDK release lacks what the step needs (feature-detected); not a failure."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


# -- plain data out of SDK objects ---------------------------------------------------------------


def plain(obj):
    """An SDK object as JSON-like data (pydantic models of either generation, dicts, lists)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    for method in ("model_dump", "to_dict"):
        fn = getattr(obj, method, None)
        if callable(fn):
            try:
                return plain(fn(mode="json", exclude_none=True, by_alias=True))
            except TypeError:
                return plain(fn())
    if hasattr(obj, "value"):  # enums
        return obj.value
    return str(obj)


def status_of(obj) -> str:
    status = plain(getattr(obj, "status", None))
    return str(status).lower() if status is not None else ""


def items(resource: dict) -> list:
    return [i for i in resource.get(ITEMS) or [] if isinstance(i, dict)]


def text_of(resource: dict) -> str:
    """The model's text: text blocks (legacy outputs) or text inside model_output steps."""
    parts = []
    for item in items(resource):
        if item.get("type") == "text":
            parts.append(item.get("text", ""))
        elif item.get("type") == "model_output":
            parts += [c.get("text", "") for c in item.get("content") or [] if c.get("type") == "text"]
    return "".join(parts)


def function_calls(resource: dict) -> list:
    return [i for i in items(resource) if i.get("type") == "function_call"]


# -- the server's own answer, fetched without the SDK --------------------------------------------------------


def raw(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"{BASE_URL}/{API_VERSION}/{path}"
    headers = {"x-goog-api-key": KEY}
    if MAJOR >= 2:
        headers["Api-Revision"] = "2026-05-20"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def server_view(iid: str) -> dict:
    status, body = raw("GET", f"interactions/{iid}")
    expect(status == 200, f"raw GET of {iid} answered {status}: {body}")
    return body


def model_text_of_raw(body: dict) -> str:
    """The raw resource's model text (a 2026-05-20 GET starts with the user_input step, which is skipped)."""
    return text_of({ITEMS: [i for i in body.get(ITEMS) or [] if i.get("type") != "user_input"]})


# -- streams --------------------------------------------------------------------------------------


def collect(stream) -> list[dict]:
    events = []
    for event in stream:
        events.append(plain(event))
    return events


def stream_text(events: list[dict]) -> str:
    out = []
    for e in events:
        if e.get("event_type") in ("content.delta", "step.delta"):
            delta = e.get("delta") or {}
            if delta.get("type") == "text":
                out.append(delta.get("text", ""))
    return "".join(out)


def stream_iid(events: list[dict]) -> str | None:
    for e in events:
        interaction = e.get("interaction")
        if isinstance(interaction, dict) and interaction.get("id"):
            return interaction["id"]
    return None


# -- the scenario -------------------------------------------------------------------------------------


def make_client():
    options = types.HttpOptions(api_version=API_VERSION, base_url=BASE_URL)
    return genai.Client(api_key=KEY, http_options=options)


def main() -> int:
    client = make_client()
    state: dict = {}
    tool = {"type": "function", "name": "get_weather", "description": "The weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}

    def create():
        r = client.interactions.create(model=MODEL, input="Hello from the iconf SDK check.")
        d = plain(r)
        expect(status_of(r) == "completed", f"status {status_of(r)!r}, expected 'completed'")
        expect(isinstance(d.get("id"), str) and d["id"], "the interaction has no id")
        text = text_of(d)
        expect(text, f"the SDK returned no text in {ITEMS}: {d}")
        srv = server_view(d["id"])
        expect(model_text_of_raw(srv) == text, f"SDK text {text!r} != server text {model_text_of_raw(srv)!r}")
        state["first"] = d["id"]

    def stream():
        events = collect(client.interactions.create(model=MODEL, input="Stream a reply [iconf: chunks=5]",
                                                    stream=True))
        types_seen = [e.get("event_type") for e in events]
        expect(types_seen, "the stream yielded no events")
        start, done = ("interaction.start", "interaction.complete") if MAJOR < 2 else \
            ("interaction.created", "interaction.completed")
        expect(types_seen[0] == start, f"first event {types_seen[0]!r}, expected {start!r}")
        expect(types_seen[-1] == done, f"last event {types_seen[-1]!r}, expected {done!r}")
        iid = stream_iid(events)
        expect(iid, "no interaction id in the stream")
        text = stream_text(events)
        expect(text, "the stream carried no text deltas")
        srv = server_view(iid)
        expect(model_text_of_raw(srv) == text, f"streamed text {text!r} != server text {model_text_of_raw(srv)!r}")
        state["stream"] = (iid, events)

    def resume():
        expect("stream" in state, "the stream step failed, nothing to resume")
        iid, events = state["stream"]
        ids = [e.get("event_id") for e in events if e.get("event_id")]
        expect(len(ids) >= 3, f"the stream carried {len(ids)} event ids; cannot resume")
        cut = len(ids) // 2
        replay = collect(client.interactions.get(iid, stream=True, last_event_id=ids[cut]))
        got = [e.get("event_id") for e in replay if e.get("event_id")]
        expect(got == ids[cut + 1:], f"resumed after {ids[cut]}: got {got}, expected {ids[cut + 1:]}")

    def background():
        r = client.interactions.create(model=MODEL, input="Work in the background [iconf: delay=0.3]",
                                       background=True)
        d = plain(r)
        expect(status_of(r) == "in_progress", f"background create status {status_of(r)!r}, expected 'in_progress'")
        deadline = time.monotonic() + POLL_TIMEOUT
        while True:
            g = client.interactions.get(d["id"])
            if status_of(g) in TERMINAL:
                break
            expect(time.monotonic() < deadline, f"still {status_of(g)!r} after {POLL_TIMEOUT} s of polling")
            time.sleep(0.2)
        expect(status_of(g) == "completed", f"background run ended {status_of(g)!r}")
        gd = plain(g)
        srv = server_view(d["id"])
        expect(model_text_of_raw(srv) == model_text_of_raw(gd) and model_text_of_raw(gd),
               f"polled text {model_text_of_raw(gd)!r} != server text {model_text_of_raw(srv)!r}")

    def get():
        expect("first" in state, "the create step failed, nothing to get")
        g = client.interactions.get(state["first"])
        d = plain(g)
        expect(d.get("id") == state["first"], f"GET returned id {d.get('id')!r}")
        srv = server_view(state["first"])
        expect(status_of(g) == srv.get("status"), f"status {status_of(g)!r} != server {srv.get('status')!r}")
        expect(model_text_of_raw(d) == model_text_of_raw(srv), "GET text differs from the server's")

    def cancel():
        r = client.interactions.create(model=MODEL, input="A long job [iconf: delay=30]", background=True)
        iid = plain(r)["id"]
        c = client.interactions.cancel(iid)
        expect(status_of(c) == "cancelled", f"cancel answered status {status_of(c)!r}")
        expect(status_of(client.interactions.get(iid)) == "cancelled", "the interaction did not stay cancelled")

    def delete():
        expect("first" in state, "the create step failed, nothing to delete")
        client.interactions.delete(state["first"])
        try:
            client.interactions.get(state["first"])
        except Exception as exc:  # noqa: BLE001 - the SDK's not-found error, whatever its class
            code = getattr(exc, "status_code", None) or getattr(exc, "code", None) or getattr(
                getattr(exc, "response", None), "status_code", None)
            expect(code == 404 or "404" in str(exc), f"GET after DELETE raised {type(exc).__name__}: {exc}")
        else:
            raise StepFailed("GET after DELETE succeeded")
        status, _ = raw("GET", f"interactions/{state['first']}")
        expect(status == 404, f"raw GET after DELETE answered {status}")

    def previous():
        first = client.interactions.create(model=MODEL, input="My name is Ada.")
        second = client.interactions.create(model=MODEL, input="What is my name?",
                                            previous_interaction_id=plain(first)["id"])
        text = text_of(plain(second))
        expect("Ada" in text, f"the chained answer does not know the name: {text!r}")

    def function_call():
        r = client.interactions.create(model=MODEL, input="What is the weather in Paris? [iconf: function_call]",
                                       tools=[tool])
        d = plain(r)
        expect(status_of(r) == "requires_action", f"status {status_of(r)!r}, expected 'requires_action'")
        calls = function_calls(d)
        expect(len(calls) == 1, f"expected one function_call, got {calls}")
        call = calls[0]
        srv_calls = function_calls({ITEMS: server_view(d["id"]).get(ITEMS)})
        expect(srv_calls and srv_calls[0].get("id") == call.get("id") and srv_calls[0].get("name") == call.get("name")
               and srv_calls[0].get("arguments") == call.get("arguments"),
               f"SDK function call {call} != server's {srv_calls}")
        expect(call.get("name") == "get_weather", f"called {call.get('name')!r}")
        result = {"type": "function_result", "call_id": call["id"], "name": call["name"],
                  "result": {"temperature_c": 21, "sky": "clear"}}
        answer = client.interactions.create(model=MODEL, previous_interaction_id=d["id"], tools=[tool],
                                            input=[result])
        expect(status_of(answer) == "completed", f"after the function result: status {status_of(answer)!r}")
        expect(text_of(plain(answer)), "no text after the function result")

    def model_items(resource: dict) -> list:
        return [i for i in items(resource) if i.get("type") != "user_input"]

    def today_request():
        if not HAS_TODAY:
            raise StepSkipped("this release does not type tool_search, service_tier 'deferred' or thinking 'xhigh'")
        lookup = {"type": "function", "name": "lookup_word", "description": "Looks a word up.", "defer_loading": True,
                  "parameters": {"type": "object", "properties": {"word": {"type": "string"}}}}
        r = client.interactions.create(model=MODEL, input="Find the right tool [iconf: thought, tool_search]",
                                       tools=[lookup, {"type": "tool_search"}], service_tier="deferred",
                                       generation_config={"thinking_level": "xhigh"})
        d = plain(r)
        expect(status_of(r) == "completed", f"status {status_of(r)!r}, expected 'completed'")
        kinds = [i.get("type") for i in model_items(d)]
        expect(kinds == ["thought", "tool_search_call", "tool_search_result", "model_output"],
               f"steps {kinds}, expected thought, tool_search_call, tool_search_result, model_output")
        srv = server_view(d["id"])
        expect(model_items(srv) == model_items(d) or [i.get("type") for i in model_items(srv)] == kinds,
               f"SDK steps {kinds} != server steps {[i.get('type') for i in model_items(srv)]}")
        found = model_items(d)[2].get("result") or []
        expect([f.get("name") for f in found] == ["lookup_word"], f"tool_search_result found {found}")
        expect(d.get("service_tier") == "deferred", f"service_tier {d.get('service_tier')!r} not echoed")
        expect(text_of(d) == model_text_of_raw(srv), "SDK text differs from the server's")

    def newer_steps():
        if not HAS_TODAY:
            raise StepSkipped("this release does not type the retrieval/processing steps and newer annotations")
        r = client.interactions.create(
            model=MODEL, input="Look it up [iconf: retrieval, processing, transcript, output_error]",
            tools=[{"type": "retrieval", "retrieval_types": ["rag_store"]}])
        d = plain(r)
        srv = server_view(d["id"])
        kinds = [i.get("type") for i in model_items(d)]
        expect(kinds == ["retrieval_call", "retrieval_result", "processing_call", "processing_result",
                         "model_output"], f"steps {kinds}")
        expect(kinds == [i.get("type") for i in model_items(srv)], "SDK steps differ from the server's")
        expect(model_items(d)[0].get("retrieval_type") == "rag_store", f"retrieval step {model_items(d)[0]}")
        output, raw_output = model_items(d)[-1], model_items(srv)[-1]
        annotations = [a.get("type") for c in output.get("content") or [] for a in c.get("annotations") or []]
        expect(annotations == ["speech_metadata", "word_info"], f"annotations {annotations}")
        expect((output.get("error") or {}).get("code") == raw_output["error"]["code"],
               f"model_output.error {output.get('error')} != server's {raw_output.get('error')}")
        expect([e.get("code") for e in d.get("errors") or []] == [e["code"] for e in srv.get("errors") or []],
               f"errors[] {d.get('errors')} != server's {srv.get('errors')}")

    long_input = "Tell me a long story [iconf: long=6, continuation=16]"

    def continuation():
        if not HAS_CONTINUATION:
            raise StepSkipped("this release has no automatic continuation")
        r = client.interactions.create(model=MODEL, input=long_input)
        d = plain(r)
        expect(status_of(r) == "completed", f"status {status_of(r)!r} after automatic continuation")
        ids = d.get("continuation_ids") or []
        expect(len(ids) >= 2 and ids[-1] == d.get("id"), f"continuation_ids {ids} (id {d.get('id')!r})")
        hops = [server_view(i) for i in ids]
        expect([h.get("status") for h in hops[:-1]] == ["requires_continuation"] * (len(ids) - 1),
               f"hop statuses {[h.get('status') for h in hops]}")
        whole = "".join(model_text_of_raw(h) for h in hops)
        expect(text_of(d) == whole, f"merged text {text_of(d)!r} != the hops' text {whole!r}")
        expect(getattr(r, "output_text", whole) == whole, f"output_text {getattr(r, 'output_text', None)!r}")
        expect("Sentence 6 of 6" in whole, f"the answer stopped early: {whole!r}")

    def continuation_stream():
        if not HAS_CONTINUATION:
            raise StepSkipped("this release has no automatic continuation")
        events = collect(client.interactions.create(model=MODEL, input=long_input, stream=True))
        ends = [e["interaction"] for e in events if e.get("event_type") == "interaction.completed"]
        statuses = [str(i.get("status")) for i in ends]
        expect(len(ends) >= 2 and statuses[:-1] == ["requires_continuation"] * (len(ends) - 1)
               and statuses[-1] == "completed", f"hop statuses {statuses}")
        whole = "".join(model_text_of_raw(server_view(i["id"])) for i in ends)
        expect(stream_text(events) == whole, f"streamed text {stream_text(events)!r} != the hops' text {whole!r}")
        expect("Sentence 6 of 6" in whole, f"the answer stopped early: {whole!r}")

    steps = [("create", create), ("stream", stream), ("stream resume", resume), ("background + poll", background),
             ("get", get), ("cancel", cancel), ("delete", delete), ("previous_interaction_id", previous),
             ("function calling round trip", function_call), ("tool_search, deferred tier, xhigh", today_request),
             ("newer steps", newer_steps), ("continuation", continuation),
             ("continuation (stream)", continuation_stream)]
    print(f"google-genai {VERSION} ({ITEMS}, /{API_VERSION}) against {BASE_URL}", flush=True)
    failed = skipped = 0
    for name, step in steps:
        try:
            step()
        except StepSkipped as exc:
            skipped += 1
            print(f"skip {name}: {exc}", flush=True)
            continue
        except StepFailed as exc:
            failed += 1
            print(f"FAIL {name}: {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001 - the SDK raised: report it as the step's failure
            failed += 1
            print(f"FAIL {name}: the SDK raised {type(exc).__name__}: {exc}", flush=True)
            if os.environ.get("ICONF_DEBUG"):
                traceback.print_exc()
        else:
            print(f"ok   {name}", flush=True)
    ran = len(steps) - skipped
    print(f"{ran - failed}/{ran} steps passed" + (f" ({skipped} skipped)" if skipped else ""), flush=True)
    return 1 if failed else 0


def robustness(case: str) -> int:
    """Stream a reply and GET it; the mock serves ``case`` (see docs/sdk.md, client robustness)."""
    print(f"iconf-client: google-genai {VERSION}", flush=True)
    print(f"robustness case {case or '(none)'} ({ITEMS}, /{API_VERSION}) against {BASE_URL}", flush=True)
    client = make_client()
    start, done = ("interaction.start", "interaction.complete") if MAJOR < 2 else \
        ("interaction.created", "interaction.completed")
    events: list[dict] = []
    broke = None
    try:
        for event in client.interactions.create(model=MODEL, input="Stream a reply [iconf: chunks=5]", stream=True):
            events.append(plain(event))
    except Exception as exc:  # noqa: BLE001 - only a dropped connection may be caught: the app resumes
        if case != "drop-and-resume" or not events:
            raise
        broke = exc
    kinds = [e.get("event_type") for e in events]
    if case == "mid-stream-error":
        errors = [e for e in events if e.get("event_type") == "error"]
        expect(errors, f"the stream ended without an error the application could see: {kinds}")
        print(f"the SDK handed the error event to the application: {errors[-1]}", flush=True)
        return 0
    if case == "drop-and-resume":
        expect(broke is not None or done in kinds, f"the SDK ended a cut stream silently: {kinds}")
        if broke is not None:
            ids = [e.get("event_id") for e in events if e.get("event_id")]
            print(f"iconf-caught: {type(broke).__module__}.{type(broke).__name__}", flush=True)
            print(f"the stream broke with {type(broke).__name__}; resuming after {ids[-1]}", flush=True)
            for event in client.interactions.get(stream_iid(events), stream=True, last_event_id=ids[-1]):
                events.append(plain(event))
            kinds = [e.get("event_type") for e in events]
    expect(kinds and kinds[0] == start, f"first event {kinds[:1]}, expected {start!r}")
    expect(kinds[-1] == done, f"last event {kinds[-1:]}, expected {done!r}")
    iid = stream_iid(events)
    text = stream_text(events)
    expect(iid and text, f"no interaction id or no text in the stream: {kinds}")
    got = plain(client.interactions.get(iid))
    expect(status_of_plain(got) == "completed", f"GET status {got.get('status')!r}")
    expect(model_text_of_raw(got) == text, f"GET text {model_text_of_raw(got)!r} != streamed {text!r}")
    if case not in ("rate-limit", "unavailable"):  # the raw helper does not retry
        srv = server_view(iid)
        expect(model_text_of_raw(srv) == text, f"streamed text {text!r} != server text {model_text_of_raw(srv)!r}")
    print(f"ok robustness {case}: {len(events)} events, {len(items(got))} {ITEMS}", flush=True)
    return 0


def status_of_plain(d: dict) -> str:
    return str(d.get("status") or "").lower()


def robustness_main(argv: list[str]) -> int:
    at = argv.index("--robustness-case")
    value = argv[at + 1] if at + 1 < len(argv) and not argv[at + 1].startswith("-") else ""
    case = value or os.environ.get("ICONF_ROBUSTNESS_CASE", "")
    try:
        return robustness(case)
    except StepFailed as exc:
        print(f"FAIL robustness {case}: {exc}", flush=True)
        return 1


if __name__ == "__main__":
    if "--robustness-case" in sys.argv[1:]:
        sys.exit(robustness_main(sys.argv[1:]))
    sys.exit(main())
