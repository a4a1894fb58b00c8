"""``iconf validate`` on unreadable or hostile input: exit 2 and one clear line, never a traceback."""

from __future__ import annotations

import pytest

from conformance.cli import main

HOSTILE = {
    "deep-array.json": (b"[" * 100_000 + b"]" * 100_000, "nests deeper than"),
    "deep-inside.json": (b'{"id": "x", "status": "completed", "a": ' + b"[" * 1000 + b"]" * 1000 + b"}",
                         "nests deeper than"),
    "just-too-deep.json": (b'{"id": "x", "status": "completed", "a": ' + b"[" * 300 + b"]" * 300 + b"}",
                           "nests deeper than"),
    "latin1.json": ('{"id": "caf\u00e9", "status": "completed"}'.encode("latin-1"), "not UTF-8"),
    "garbage.bin": (bytes(range(256)) * 4, "not UTF-8"),
    "html.json": (b"<html><body>502 Bad Gateway</body></html>", "neither JSON nor an event stream"),
    "empty.json": (b"", "neither JSON nor an event stream"),
    "truncated.json": (b'{"id": "x", "status": "compl', "neither JSON nor an event stream"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_exit_2_with_one_line(name, tmp_path, capsys):
    data, words = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert words in err and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err


def test_unreadable_inputs_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2  # a directory
    assert main(["validate", str(tmp_path / "missing.json")]) == 2
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    assert main(["validate", "--max-size", "1K", str(big)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "--max-size 1024" in err and "Traceback" not in err


def test_a_deep_but_judgeable_document_is_judged(tmp_path, capsys):
    path = tmp_path / "ok-depth.json"
    path.write_bytes(b'{"id": "x", "status": "completed", "a": ' + b"[" * 50 + b"]" * 50 + b"}")
    assert main(["validate", "--kind", "interaction", str(path)]) == 1  # judged: missing fields are MUST failures
    assert "schema.interaction.valid" in capsys.readouterr().out


def test_invalid_utf8_in_a_captured_stream_is_a_rule_failure(tmp_path, capsys):
    path = tmp_path / "latin1.sse"
    path.write_bytes(b'event: interaction.created\ndata: {"event_type": "interaction.created", "interaction": '
                     b'{"id": "caf\xe9", "status": "in_progress"}}\n\n')
    assert main(["validate", "--kind", "stream", str(path)]) == 1
    assert "stream.framing.utf8" in capsys.readouterr().out


def _deep_stream(depth: int, *, declared: bool) -> bytes:
    """A stream whose step.start and step.delta carry a value nested ``depth`` levels (within orjson's
    parse limit, beyond what the Rust schema validator can recurse into)."""
    nested = "[" * depth + "]" * depth
    where = f'"text": {nested}' if declared else f'"text": "a", "x": {nested}'
    frames = [
        ("interaction.created", '{"event_type": "interaction.created", '
                                '"interaction": {"id": "x", "status": "in_progress"}}'),
        ("step.start", '{"event_type": "step.start", "index": 0, "step": {"type": "model_output", '
                       f'"x": {nested}}}}}'),
        ("step.delta", '{"event_type": "step.delta", "index": 0, "delta": {"type": "text", ' + where + "}}"),
    ]
    return "".join(f"event: {name}\ndata: {data}\n\n" for name, data in frames).encode()


@pytest.mark.parametrize("depth", [300, 1000])
@pytest.mark.parametrize("declared", [True, False], ids=["in-a-declared-field", "in-an-extra-field"])
def test_an_event_nested_past_the_validators_limit_gets_verdicts_not_a_traceback(depth, declared, tmp_path,
                                                                                 capsys):
    path = tmp_path / "deep.sse"
    path.write_bytes(_deep_stream(depth, declared=declared))
    assert main(["validate", "--kind", "stream", str(path)]) == 1  # verdicts (no terminal event), not a crash
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "stream.terminal.exactly-one" in out
    if declared:  # a text delta whose text is a deep list: judged, or said to be too deep to judge
        assert "schema.event.valid" in out
