"""API key enforcement (--api-key)."""

from .helpers import MODEL


def test_no_key_configured_lets_everything_through(make_client):
    assert make_client().post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}).status_code == 200


def test_missing_key_is_401(make_client):
    c = make_client(api_key="sekret")
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthenticated" and "x-goog-api-key" in error["message"]
    assert c.get("/v1beta/interactions/v1_x").status_code == 401


def test_wrong_key_is_403(make_client):
    c = make_client(api_key="sekret")
    response = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers={"x-goog-api-key": "nope"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert c.post("/v1beta/interactions?key=nope", json={"model": MODEL, "input": "hi"}).status_code == 403


def test_right_key_in_header_or_query(make_client):
    c = make_client(api_key="sekret")
    ok = c.post("/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers={"x-goog-api-key": "sekret"})
    assert ok.status_code == 200
    iid = ok.json()["id"]
    assert c.get(f"/v1beta/interactions/{iid}?key=sekret").status_code == 200
