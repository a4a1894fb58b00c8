"""The data a revision profile is made of.

A profile is everything that differs between API revisions, expressed as
data: where its OpenAPI document lives, the SSE event grammar, the status
machine, the block/step type table and which rules apply. Checkers and the
mock server read profiles; neither branches on a revision name. Adding a
revision means adding one module next to ``legacy.py`` and registering it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Merge = Literal["text", "media", "thought_summary", "thought_signature", "annotations", "arguments", "fields"]


@dataclass(frozen=True)
class Grammar:
    """Event names of one revision's SSE stream and where their payload lives."""

    created: str
    completed: str
    status_update: str
    block_start: str
    block_delta: str
    block_stop: str
    error: str = "error"
    block_field: str = "content"  # the key of the block in the start event ("content" or "step")
    #: event_type -> component name of its schema in the OpenAPI document
    event_components: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(
            (self.created, self.completed, self.status_update, self.block_start,
             self.block_delta, self.block_stop, self.error)
        )

    @property
    def terminal(self) -> frozenset[str]:
        return frozenset((self.completed, self.error))

    @property
    def lifecycle(self) -> frozenset[str]:
        return frozenset((self.created, self.completed))


@dataclass(frozen=True)
class StatusMachine:
    """Statuses of an interaction and the moves between them.

    ``tolerated`` statuses come from newer official typings than the
    revision's document (``budget_exceeded``, ``requires_continuation``,
    ``queued``): they are accepted, and the schema's enum is widened to admit
    them, because the live API is the reference implementation.
    """

    statuses: frozenset[str]
    initial: frozenset[str]
    terminal: frozenset[str]
    transitions: Mapping[str, frozenset[str]]
    tolerated: frozenset[str] = frozenset()

    def known(self, status: str) -> bool:
        return status in self.statuses or status in self.tolerated

    def is_terminal(self, status: str) -> bool:
        return status in self.terminal

    def legal(self, before: str, after: str) -> bool:
        if before == after:
            return True
        return after in self.transitions.get(before, frozenset())


@dataclass(frozen=True)
class DeltaSpec:
    """One delta type: its schema component and how it folds into its block."""

    component: str
    merge: Merge


@dataclass(frozen=True)
class BlockSpec:
    """One content-block (legacy) or step (2026-05-20) type.

    ``content_list`` is True for steps whose payload is a list of content
    blocks (``model_output``, ``user_input``): media deltas then append
    blocks to ``content`` instead of setting fields on the step itself.
    """

    component: str
    deltas: frozenset[str]
    content_list: bool = False
    model_produced: bool = True


@dataclass(frozen=True)
class Profile:
    """A revision of the Interactions API, as data."""

    name: str
    aliases: tuple[str, ...]
    #: value of the Api-Revision header that selects this revision
    header_value: str
    schema_file: str
    #: the resource's list of produced items: "outputs" (legacy) or "steps"
    items_field: str
    #: component name of the union items_field holds ("Content" / "Step")
    item_union: str
    grammar: Grammar
    status: StatusMachine
    blocks: Mapping[str, BlockSpec]
    deltas: Mapping[str, DeltaSpec]
    #: the media content blocks, valid inside user/model content
    content_types: frozenset[str]
    request_components: Mapping[str, str]  # "model"/"agent" -> component
    resource_component: str = "Interaction"
    error_component: str = "Error"
    #: component names whose ``status`` enum gets ``status.tolerated`` added
    status_enum_components: tuple[str, ...] = ("Interaction", "InteractionStatusUpdate")
    #: item types a user sends; the GET timeline of 2026-05-20 starts with one of these
    input_item_type: str | None = None
    description: str = ""
    #: SDK surface items deliberately left out of this profile, item or fnmatch pattern -> reason
    #: (``iconf drift``; see conformance/profiles/drift_allow.py)
    drift_allow: Mapping[str, str] = field(default_factory=dict)

    @property
    def schema_path(self) -> Path:
        from . import schema_dir

        return schema_dir() / self.schema_file

    def block_type_of(self, block: Mapping) -> str | None:
        t = block.get("type") if isinstance(block, Mapping) else None
        return t if isinstance(t, str) else None
