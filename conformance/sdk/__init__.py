"""The SDK harness: run a client program (an SDK scenario script, an app) behind the validating proxy.

``run_client(command, ...)`` and ``iconf client -- COMMAND`` start the mock
(or a proxy to a real upstream) behind :mod:`conformance.proxy`, run the
command with the environment the Google SDKs read, and judge every request
it made. ``scripts/`` holds scenario scripts for google-genai (Python) and
@google/genai (Node); :mod:`.envs` installs SDK versions into cached
environments; :mod:`.nox_support` is the ``nox -s sdk`` session body.
See docs/sdk.md.
"""

from .harness import ClientRun, canary_key, report_run, run_client, sdk_defaults

__all__ = ["ClientRun", "canary_key", "report_run", "run_client", "sdk_defaults"]
