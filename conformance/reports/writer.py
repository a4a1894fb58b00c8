"""Write every report of a run in one call.

The suite's plugin (or ``iconf run``) calls :func:`write_report` once, at
the end of the session, with the finished :class:`RunRecord`. Order
matters only at the end: ``latest`` moves last, so it never points at a
half-written run, and a final sweep scrubs secrets from files other
tools wrote into the run directory (allure-results, junit.xml).
"""

from __future__ import annotations

from pathlib import Path

from .allure_env import write_environment
from .html import write_html
from .model import RunRecord
from .paths import update_latest
from .redact import scrub_tree
from .summary import write_summary

ALLURE_DIR = "allure-results"


def write_report(record: RunRecord, run_dir: Path, *, base: Path | None = None) -> dict[str, Path]:
    """Write environment.properties, summary.json and index.html into ``run_dir`` and update ``latest``.

    ``base`` is the reports directory holding ``latest`` (default: the
    parent of ``run_dir``). Returns the paths written, keyed ``environment``,
    ``summary``, ``html`` and ``latest``.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    written = {
        "environment": write_environment(run_dir / ALLURE_DIR, record),
        "summary": write_summary(record, run_dir),
        "html": write_html(record, run_dir),
    }
    scrub_tree(run_dir, record.secrets())
    written["latest"] = update_latest(Path(base) if base is not None else run_dir.parent, run_dir)
    return written
