"""interactions-conformance: contract tests for the Gemini Interactions API.

The public API lives here; everything else is an implementation module.
"""

from .profiles import DEFAULT_REVISION, PROFILES, Profile, get_profile
from .rules import RULES, Rule, Violation
from .strictness import Strictness

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_REVISION", "PROFILES", "Profile", "get_profile",
    "RULES", "Rule", "Violation", "Strictness", "__version__",
]
