"""environment.properties for Allure: what the run was pointed at.

allure-pytest writes the test results into ``allure-results/`` itself; the
one thing it cannot know is the run's context, which Allure shows in its
"Environment" widget from this Java properties file. Values are escaped
per java.util.Properties (ISO-8859-1 with ``\\uXXXX`` escapes) so a URL or a
model name with ``:``/``=`` or non-Latin characters survives.
"""

from __future__ import annotations

from pathlib import Path

from .model import RunRecord
from .redact import redact_record, scrub

ENVIRONMENT_FILE = "environment.properties"


def _escape(text: str, *, key: bool = False) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "=:#!" and (key or ch in "#!" and i == 0):
            out.append("\\" + ch)
        elif ch == " " and (key or i == 0):
            out.append("\\ ")
        elif ord(ch) > 0xFFFF:
            out.append(_surrogates(ch))
        elif ord(ch) > 0x7E or ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _surrogates(ch: str) -> str:
    code = ord(ch) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def environment(record: RunRecord) -> dict[str, str]:
    """The key/value pairs written, in order (secrets already redacted)."""
    safe = redact_record(record)
    target = safe.target or {}
    return {
        "target": str(target.get("name") or ""),
        "target_kind": str(target.get("kind") or ""),
        "base_url": str(target.get("base_url") or ""),
        "revisions": ", ".join(safe.run_revisions),
        "model": safe.model or "",
        "suite_version": safe.suite_version,
        "run_id": safe.run_id,
        "started": safe.started,
    }


def write_environment(results_dir: Path, record: RunRecord) -> Path:
    """Write ``results_dir/environment.properties`` (creating the directory) and return its path."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{_escape(k, key=True)}={_escape(v)}" for k, v in environment(record).items()]
    path = results_dir / ENVIRONMENT_FILE
    path.write_text(scrub("\n".join(lines) + "\n", record.secrets()), encoding="latin-1")
    return path
