"""Drive google-genai 3.x (revision 2026-05-20) against a mock server.

Run with the SDK's venv python: ``drive_v3.py BASE_URL API_VERSION``. Prints
one line per step and exits non-zero on the first failed expectation.
"""

import sys
import time

from google import genai

base_url, api_version = sys.argv[1], sys.argv[2]
client = genai.Client(api_key="test-key", http_options={"base_url": base_url, "api_version": api_version})
MODEL = "gemini-2.5-flash"


def check(cond, what):
    if not cond:
        print(f"FAIL {what}", flush=True)
        sys.exit(1)
    print(f"ok   {what}", flush=True)


def text_of(interaction):
    out = []
    for step in interaction.steps or []:
        if step.type == "model_output":
            out += [c.text for c in step.content or [] if c.type == "text"]
    return "".join(out)


# create (non-streaming)
first = client.interactions.create(model=MODEL, input="My name is Ada.")
check(first.status == "completed" and first.id, "create completed")
check("Ada" in text_of(first), "create text")
check(all(s.type != "user_input" for s in first.steps), "post returns model steps only")

# get: full timeline
got = client.interactions.get(first.id)
check(got.id == first.id and got.steps[0].type == "user_input", "get starts with user_input")

# previous_interaction_id
second = client.interactions.create(model=MODEL, input="What is my name?", previous_interaction_id=first.id)
check("Ada" in text_of(second), "previous_interaction_id carries context")

# stream
events = list(client.interactions.create(model=MODEL, input="Stream please [iconf: thought]", stream=True))
kinds = [e.event_type for e in events]
check(kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed", f"stream grammar {kinds[:3]}...")
deltas = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
check(len([k for k in kinds if k == "step.delta"]) >= 3 and deltas, "stream text deltas")
sid = events[0].interaction.id

# stream resume
ids = [e.event_id for e in events]
resumed = list(client.interactions.get(sid, stream=True, last_event_id=ids[2]))
check([e.event_id for e in resumed] == ids[3:], "resume replays exactly the events after last_event_id")

# background + poll
bg = client.interactions.create(model=MODEL, input="slow [iconf: delay=0.3]", background=True)
check(bg.status == "in_progress", "background starts in_progress")
seen = [bg.status]
deadline = time.time() + 10
while time.time() < deadline:
    cur = client.interactions.get(bg.id)
    if cur.status != seen[-1]:
        seen.append(cur.status)
    if cur.status not in ("in_progress",):
        break
    time.sleep(0.05)
check(seen == ["in_progress", "completed"], f"background polls {seen}")

# cancel
long = client.interactions.create(model=MODEL, input="long [iconf: delay=30]", background=True)
cancelled = client.interactions.cancel(long.id)
check(cancelled.status == "cancelled", "cancel running background")
check(client.interactions.get(long.id).status == "cancelled", "stays cancelled")

# delete
client.interactions.delete(first.id)
try:
    client.interactions.get(first.id)
    check(False, "get after delete fails")
except Exception as exc:  # the SDK raises its API error type
    check("404" in str(exc) or getattr(exc, "status_code", None) == 404 or getattr(exc, "code", None) == 404,
          f"get after delete 404 ({type(exc).__name__})")

# function calling round trip
tool = {"type": "function", "name": "get_weather", "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
call = client.interactions.create(model=MODEL, input="Weather? [iconf: function_call]", tools=[tool])
check(call.status == "requires_action", "function call requires_action")
fc = next(s for s in call.steps if s.type == "function_call")
check(fc.name == "get_weather" and "city" in fc.arguments, "function_call step")
done = client.interactions.create(
    model=MODEL, previous_interaction_id=call.id, tools=[tool],
    input=[{"type": "function_result", "call_id": fc.id, "name": fc.name, "result": {"temp_c": 21}}],
)
check(done.status == "completed" and "21" in text_of(done), "function result completes")

# streamed function call: arguments arrive as fragments
evs = list(client.interactions.create(model=MODEL, input="[iconf: function_call]", tools=[tool], stream=True))
frags = "".join(e.delta.arguments for e in evs if e.event_type == "step.delta" and e.delta.type == "arguments_delta")
check('"city"' in frags, "streamed arguments_delta fragments")
print("ALL OK")
