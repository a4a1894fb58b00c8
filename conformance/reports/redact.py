"""Keep secrets out of everything a report writes.

Reports get attached to CI runs and bug reports, so an API key must never
reach disk. The run's options are the one place a key enters the record;
every option whose name looks secret (``*key*``, ``*token*``, ``*secret*``,
``*password*``) is treated as one, and its value is replaced by
``<redacted>`` wherever it appears: in the options themselves, in
transcripts, evidence, URLs. As a second net, strings shaped like a Google
API key (``AIza`` + 35 characters) are redacted even if nobody declared them.

Writers redact the *data* before serialising (:func:`redact_record`), so a
secret is caught before JSON or HTML escaping could disguise it, and then
pass the final text through :func:`scrub` once more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..redaction import PLACEHOLDER, Redactor, is_secret_name

REDACTED = PLACEHOLDER


def secrets_from_options(options: Any) -> list[str]:
    """The string values of secret-named options, searched through nested dicts and lists."""
    found: list[str] = []

    def walk(value: Any, secret: bool) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, secret or is_secret_name(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, secret)
        elif secret and isinstance(value, str) and value and value != REDACTED and value not in found:
            found.append(value)

    walk(options, False)
    return found


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret in every encoding (:mod:`conformance.redaction`), and anything shaped like a
    Google API key, replaced by ``<redacted>``."""
    return Redactor(secrets).text(text) if text else text


def scrub_data(value: Any, secrets: list[str]) -> Any:
    """A copy of a JSON-like structure with :func:`scrub` applied to every string, keys included."""
    return Redactor(secrets).data(value)


def redact_options(options: Any) -> Any:
    """``options`` with the value of every secret-named entry replaced by ``<redacted>``, at any depth."""
    if isinstance(options, dict):
        out = {}
        for k, v in options.items():
            if is_secret_name(k) and v not in (None, "", False, True) and not isinstance(v, (int, float)):
                out[k] = REDACTED if not isinstance(v, (dict, list, tuple)) else _all_redacted(v)
            else:
                out[k] = redact_options(v)
        return out
    if isinstance(options, (list, tuple)):
        return [redact_options(v) for v in options]
    return options


def _all_redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _all_redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_all_redacted(v) for v in value]
    return REDACTED if isinstance(value, str) and value else value


def redact_record(record):
    """A scrubbed copy of ``record`` (a RunRecord): safe to hand to any writer. The original is untouched."""
    from .model import RunRecord

    secrets = record.secrets()
    data = record.to_dict()
    data["options"] = redact_options(data["options"])
    return RunRecord.from_dict(scrub_data(data, secrets))


def scrub_tree(root: Path, secrets: list[str]) -> list[Path]:
    """Scrub every UTF-8 text file under ``root`` in place; returns the files that changed.

    A last sweep over the run directory for files the reports do not write
    themselves (allure-results, junit.xml): whatever a test printed ends up
    there too. Binary files are left alone.
    """
    changed: list[Path] = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        clean = scrub(text, secrets)
        if clean != text:
            path.write_text(clean, encoding="utf-8")
            changed.append(path)
    return changed
