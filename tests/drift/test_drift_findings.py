"""What ``iconf drift`` found in the 2026-05-20 profile, held by payloads: the SDKs' shorthand strings validate.

google-genai 3.6.1 and @google/genai 3.3.0 type media ``processing`` as a settings object *or* the
string ``static`` (video also ``agentic``), ``transcription_config.mode`` as a mode object *or* its name,
and ``SafetySetting.threshold`` includes ``off``; a server that sends these must not fail a MUST rule.
"""

from __future__ import annotations

import json

import pytest

from conformance.checks import validate_document
from conformance.profiles import get_profile
from conformance.schema import SchemaSet
from tests import streams as S

P = get_profile("2026-05-20")
SCHEMAS = SchemaSet(P)


def _with_content(block: dict) -> dict:
    return S.resource(P, [{"type": "model_output", "content": [block]}])


CASES = {
    "audio processing static": _with_content({"type": "audio", "uri": "gs://b/a.wav", "mime_type": "audio/wav",
                                              "processing": "static"}),
    "document processing object": _with_content({"type": "document", "uri": "gs://b/d.pdf",
                                                 "mime_type": "application/pdf", "processing": {"pages": "1-2"}}),
    "video processing agentic": _with_content({"type": "video", "uri": "gs://b/v.mp4", "mime_type": "video/mp4",
                                               "processing": "agentic"}),
    "safety threshold off": S.resource(P, [S.text_item(P, "Hi")],
                                       safety_settings=[{"type": "harassment", "threshold": "off"}]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sdk_shorthand_forms_validate(name):
    _, violations = validate_document(SCHEMAS, json.dumps(CASES[name]).encode(), "interaction")
    assert not [v for v in violations if v.level == "MUST"], [v.rule_id + ": " + v.message for v in violations]


def test_transcription_mode_by_name_validates():
    body = {"model": "gemini-3-flash-preview", "input": "Hi",
            "generation_config": {"transcription_config": {"mode": "verbatim"}}}
    _, violations = validate_document(SCHEMAS, json.dumps(body).encode(), "request")
    assert not [v for v in violations if v.level == "MUST"], [v.rule_id + ": " + v.message for v in violations]
