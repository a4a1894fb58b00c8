"""The reports of a conformance run: summary.json, index.html, Allure environment, terminal summary.

Each run writes ``reports/<UTC timestamp>-<target>/`` (see :mod:`.paths`
for the layout and the ``latest`` pointer). The suite fills in a
:class:`RunRecord`; :func:`write_report` derives every report from it and
:func:`render_summary` prints the closing screen. See README.md here.
"""

from .allure_env import write_environment
from .html import render_html, write_html
from .model import OUTCOMES, STATUSES, RuleCell, RunRecord, ScenarioResult
from .paths import new_run_dir, resolve_latest, sanitise_target, update_latest
from .redact import REDACTED, redact_record, scrub, scrub_tree, secrets_from_options
from .summary import failures, load_summary, summary_dict, write_summary
from .terminal import render_summary
from .writer import write_report

__all__ = [
    "OUTCOMES", "STATUSES", "RuleCell", "RunRecord", "ScenarioResult",
    "new_run_dir", "resolve_latest", "sanitise_target", "update_latest",
    "REDACTED", "redact_record", "scrub", "scrub_tree", "secrets_from_options",
    "failures", "load_summary", "summary_dict", "write_summary",
    "render_html", "write_html", "write_environment", "render_summary", "write_report",
]
