"""The cassette record modes (vcrpy's names), in a module with no imports.

``iconf run --record`` / ``pytest --iconf-record`` offer them as choices and the cassette recorder checks
against them; they live here, not in ``conformance.cassettes``, so declaring the options at pytest start-up
does not import vcrpy. What each mode does: ``conformance/cassettes/recorder.py``.
"""

#: replay only; record what is missing; replay what matches and record the rest; record everything
MODES: tuple[str, ...] = ("none", "once", "new_episodes", "all")

__all__ = ["MODES"]
