"""Resources, revisions, paths and the basic CRUD of both revisions."""

import re

import pytest

from conformance.profiles import get_profile

from .helpers import MODEL, items_of, schema_errors, texts

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_create_returns_a_valid_resource(client, rev):
    body = client.create("Hello there")
    profile = get_profile(rev)
    assert body["object"] == "interaction"
    assert body["id"].startswith("v1_")
    assert body["status"] == "completed"
    assert body["model"] == MODEL and "agent" not in body
    assert body["role"] == "model"
    assert ISO.match(body["created"]) and ISO.match(body["updated"])
    assert body["updated"] >= body["created"]
    assert profile.items_field in body
    assert "Hello there" in texts(body)
    usage = body["usage"]
    assert usage["total_tokens"] == (usage["total_input_tokens"] + usage["total_output_tokens"]
                                     + usage["total_thought_tokens"] + usage["total_tool_use_tokens"])
    assert schema_errors(rev, "Interaction", body) == []


def test_get_returns_the_same_interaction(client, rev):
    body = client.create("Hello")
    got = client.fetch(body["id"])
    assert got.status_code == 200
    got = got.json()
    assert got["id"] == body["id"] and got["created"] == body["created"] and got["status"] == "completed"
    assert texts(got) == texts(body)
    assert schema_errors(rev, "Interaction", got) == []


def test_ids_are_unique_and_deterministic_per_server(make_client):
    a, b = make_client("2026-05-20"), make_client("2026-05-20")
    ids_a = [a.create("x")["id"] for _ in range(3)]
    ids_b = [b.create("x")["id"] for _ in range(3)]
    assert len(set(ids_a)) == 3 and ids_a == ids_b


def test_same_request_same_answer(client):
    first, second = client.create("Determinism [iconf: all]"), client.create("Determinism [iconf: all]")

    def strip(body):
        return [{k: v for k, v in item.items() if k not in ("id", "call_id")} for item in items_of(body)]

    assert strip(first) == strip(second)
    assert first["usage"] == second["usage"]


def test_delete_answers_empty_object_and_leaves_no_trace(client):
    body = client.create("bye")
    iid = body["id"]
    deleted = client.delete(f"/v1beta/interactions/{iid}")
    assert deleted.status_code == 200 and deleted.json() == {}
    assert client.fetch(iid).status_code == 404
    assert client.delete(f"/v1beta/interactions/{iid}").status_code == 404
    assert client.post(f"/v1beta/interactions/{iid}/cancel").status_code == 404
    chained = client.post("/v1beta/interactions", json={"model": MODEL, "input": "hi", "previous_interaction_id": iid})
    assert chained.status_code in (400, 404)
    assert chained.json()["error"]["code"] == {400: "invalid_request", 404: "not_found"}[chained.status_code]


def test_unknown_ids_answer_404_in_the_envelope(client):
    for method, path in (("GET", "/v1beta/interactions/v1_nope"), ("DELETE", "/v1beta/interactions/v1_nope"),
                         ("POST", "/v1beta/interactions/v1_nope/cancel")):
        response = client.request(method, path)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error == {"code": "not_found", "message": error["message"]}
        assert "v1_nope" in error["message"]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_both_api_versions_are_served(make_client, version):
    c = make_client()
    response = c.post(f"/{version}/interactions", json={"model": MODEL, "input": "hi"})
    assert response.status_code == 200
    assert c.get(f"/{version}/interactions/{response.json()['id']}").status_code == 200
    assert c.post("/v2/interactions", json={"model": MODEL, "input": "hi"}).status_code == 404


def test_base_path_prefix(make_client):
    c = make_client(base_path="/prefix")
    body = c.post("/prefix/v1beta/interactions", json={"model": MODEL, "input": "hi"})
    assert body.status_code == 200
    iid = body.json()["id"]
    assert c.get(f"/prefix/v1beta/interactions/{iid}").status_code == 200
    assert c.get(f"/v1beta/interactions/{iid}").status_code == 200
    assert c.get(f"/other/v1beta/interactions/{iid}").json()["error"]["code"] == "not_found"


def test_revision_header_selects_the_shape(make_client):
    c = make_client()
    default = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}).json()
    assert "steps" in default and "outputs" not in default
    new = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                 headers={"Api-Revision": "2026-05-20"}).json()
    assert "steps" in new
    legacy = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                    headers={"Api-Revision": "2026-05-07"}).json()
    assert "outputs" in legacy and "steps" not in legacy
    # the same stored interaction renders in whichever revision the reader asks for
    again = c.get(f"/v1beta/interactions/{new['id']}", headers={"Api-Revision": "2026-05-07"}).json()
    assert "outputs" in again


def test_server_default_revision_can_be_legacy(make_client):
    c = make_client(default_revision="legacy")
    body = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}).json()
    assert "outputs" in body
    body = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                  headers={"Api-Revision": "2026-05-20"}).json()
    assert "steps" in body


def test_unknown_revision_header_is_rejected(make_client):
    c = make_client()
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"},
                      headers={"Api-Revision": "2030-01-01"})
    assert response.status_code == 400
    assert "Api-Revision" in response.json()["error"]["message"]


def test_empty_json_body_on_get_delete_cancel_is_accepted(client):
    iid = client.create("hi")["id"]
    headers = {"Content-Type": "application/json"}
    assert client.request("GET", f"/v1beta/interactions/{iid}", headers=headers, content=b"").status_code == 200
    cancel = client.request("POST", f"/v1beta/interactions/{iid}/cancel", headers=headers, content=b"")
    assert cancel.status_code == 400  # not a running background interaction, but not a body error
    assert cancel.json()["error"]["code"] == "failed_precondition"
    assert client.request("DELETE", f"/v1beta/interactions/{iid}", headers=headers, content=b"").status_code == 200


def test_timeline_2026(make_client):
    c = make_client("2026-05-20")
    post = c.create("Tell me [iconf: thought]")
    assert [s["type"] for s in post["steps"]] == ["thought", "model_output"]
    got = c.fetch(post["id"]).json()
    assert [s["type"] for s in got["steps"]] == ["user_input", "thought", "model_output"]
    assert got["steps"][0]["content"] == [{"type": "text", "text": "Tell me [iconf: thought]"}]
    assert got["steps"][1:] == post["steps"]
    assert c.fetch(post["id"], include_input="true").json()["steps"] == got["steps"]


def test_legacy_outputs_and_include_input(make_client):
    c = make_client("legacy")
    post = c.create("Tell me [iconf: thought]")
    assert [o["type"] for o in post["outputs"]] == ["thought", "text"]
    assert "input" not in post
    got = c.fetch(post["id"]).json()
    assert got["outputs"] == post["outputs"] and "input" not in got
    with_input = c.fetch(post["id"], include_input="true").json()
    assert with_input["input"] == "Tell me [iconf: thought]"
    assert with_input["outputs"] == post["outputs"]


def test_settings_are_echoed_on_the_resource(client):
    tools = [{"type": "google_search"}]
    body = client.create("hi", system_instruction="Be brief.", tools=tools, generation_config={"temperature": 0.5})
    assert body["system_instruction"] == "Be brief."
    assert body["tools"] == tools
    assert body["generation_config"] == {"temperature": 0.5}


def test_agent_interaction(client, rev):
    body = client.post("/v1beta/interactions", json={
        "agent": "deep-research-pro-preview-12-2025", "input": "Research mocks", "background": True}).json()
    assert body["agent"] == "deep-research-pro-preview-12-2025" and "model" not in body
    assert body["status"] == "in_progress"
    import time

    time.sleep(0.08)
    done = client.fetch(body["id"]).json()
    assert done["status"] == "completed" and done["role"] == "agent"
    types = [b["type"] for b in items_of(done)]
    assert "thought" in types and "google_search_call" in types and "google_search_result" in types
    assert schema_errors(rev, "Interaction", done) == []
