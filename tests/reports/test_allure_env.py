"""environment.properties for Allure."""

from __future__ import annotations

from conformance.reports import write_environment

from .records import API_KEY, mixed_record


def _props(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


def test_environment_properties(tmp_path):
    rec = mixed_record()
    rec.model = "gemini-ü"
    rec.target["base_url"] = f"https://example.test/v1beta?key={API_KEY}"
    path = write_environment(tmp_path / "allure-results", rec)
    assert path == tmp_path / "allure-results" / "environment.properties"
    text = path.read_text(encoding="latin-1")
    props = _props(text)
    assert props["target"] == "mock"
    assert props["revisions"] == "2026-05-20, legacy"
    assert props["suite_version"] == "0.1.0"
    assert props["model"] == "gemini-\\u00fc"  # java.util.Properties escape
    assert props["base_url"] == "https://example.test/v1beta?key=<redacted>"
    assert API_KEY not in text
