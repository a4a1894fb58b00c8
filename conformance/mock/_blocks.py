"""Block-type vocabulary shared by the parser, the model and the renderer.

Derived from the profile tables (``conformance.profiles``) so the mock never
invents a type the revisions do not define.
"""

from __future__ import annotations

from ..profiles import MEDIA_TYPES, TOOL_PAIRS

#: media blocks: valid inside user/model content in both revisions
CONTENT_TYPES = frozenset({"text", *MEDIA_TYPES})
#: built-in tool pairs, in the order the model emits them
TOOLS = TOOL_PAIRS
#: call/result step pairs newer than the official document (tool search, retrieval, input processing):
#: produced only in a revision whose profile has them as step types
STEP_PAIRS = ("tool_search", "retrieval", "processing")
TOOL_CALLS = frozenset(f"{t}_call" for t in (*TOOL_PAIRS, *STEP_PAIRS))
TOOL_RESULTS = frozenset(f"{t}_result" for t in (*TOOL_PAIRS, *STEP_PAIRS))
#: neutral marker the model puts after the blocks of a model output that carries an error (model_output.error)
OUTPUT_ERROR = "_output_error"
#: types a result block answers (all carry call_id)
RESULT_TYPES = TOOL_RESULTS | {"function_result"}
#: non-media items the model produces (role "model" in a conversation)
MODEL_STEP_TYPES = frozenset({"thought", "function_call"}) | TOOL_CALLS | TOOL_RESULTS
