"""In-memory, thread-safe interaction state.

The server may be driven from several threads (uvicorn's loop, test
threads polling it), so every mutation happens under one lock and readers
get a snapshot copy. Ids are deterministic per server instance ("v1_" + a
counter-based token), which keeps transcripts reproducible.

Background runs are settled lazily: a record knows when its run finishes
(``finish_at``) and every read moves it to its final state once that time
has passed. This needs no worker thread or event-loop task, so it behaves
the same under uvicorn, httpx's ASGITransport or Starlette's TestClient,
and a poll can never observe anything but in_progress -> final.
"""

from __future__ import annotations

import base64
import copy
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .parse import CreateRequest

TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})


def iso(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and a Z suffix (sorts lexically like the instants it names)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Record:
    id: str
    seq: int
    request: CreateRequest
    #: conversation before this interaction (neutral turns), for chaining
    history: list[dict]
    created: float
    updated: float
    status: str
    final_status: str
    outputs: list[dict]
    usage: dict
    error: dict | None = None
    background: bool = False
    finish_at: float | None = None
    stored: bool = True
    #: faults in force when it was created (they stay attached to it)
    faults: frozenset[str] = frozenset()
    #: a terminal state has already been shown to a client
    observed_terminal: bool = False
    #: stored but answered 404 on GET (only the store.default.retrievable fault sets it)
    get_hidden: bool = False
    #: effective settings the model used (after inheritance)
    tools: list[dict] | None = None

    @property
    def running(self) -> bool:
        return self.status == "in_progress"

    def conversation(self) -> list[dict]:
        """History + this interaction's input + its output, as turns (what a chained call sees)."""
        turns = copy.deepcopy(self.history) + copy.deepcopy(self.request.turns)
        if self.outputs:
            turns.append({"role": "model", "content": copy.deepcopy(self.outputs)})
        return turns


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    counter: int = 0
    records: dict[str, Record] = field(default_factory=dict)
    #: store=false interactions: invisible to GET, kept only to answer previous_interaction_id with 400
    unstored: dict[str, Record] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    clock: object = time.time

    def new_id(self) -> tuple[str, int]:
        with self.lock:
            self.counter += 1
            token = base64.urlsafe_b64encode(f"iconf-mock:{self.counter:06d}".encode()).decode().rstrip("=")
            return "v1_" + token, self.counter

    def issued(self, interaction_id: str) -> bool:
        with self.lock:
            return interaction_id in self.records or interaction_id in self.unstored or interaction_id in self.deleted

    def add(self, record: Record) -> None:
        with self.lock:
            (self.records if record.stored else self.unstored)[record.id] = record

    def _settle(self, record: Record) -> None:
        if record.running and record.finish_at is not None and self.clock() >= record.finish_at:
            record.status = record.final_status
            record.updated = max(record.created, record.finish_at)

    def snapshot(self, interaction_id: str, *, include_unstored: bool = False) -> Record | None:
        with self.lock:
            record = self.records.get(interaction_id)
            if record is None and include_unstored:
                record = self.unstored.get(interaction_id)
            if record is None:
                return None
            self._settle(record)
            return copy.copy(record)

    def refresh(self, record: Record) -> Record:
        """A fresh snapshot of ``record`` (which may be unstored: streams of store=false calls)."""
        with self.lock:
            live = self.records.get(record.id) or self.unstored.get(record.id)
            if live is None:
                return record
            self._settle(live)
            return copy.copy(live)

    def mark_observed(self, interaction_id: str) -> None:
        with self.lock:
            for table in (self.records, self.unstored):
                if interaction_id in table and table[interaction_id].status in TERMINAL:
                    table[interaction_id].observed_terminal = True

    def cancel(self, interaction_id: str) -> Record | None:
        """Move a running background record to cancelled; None if it is not running."""
        with self.lock:
            record = self.records.get(interaction_id)
            if record is None:
                return None
            self._settle(record)
            if not (record.background and record.running):
                return None
            record.status = record.final_status = "cancelled"
            record.updated = max(record.created, self.clock())
            record.outputs = []
            record.finish_at = record.updated
            return copy.copy(record)

    def delete(self, interaction_id: str) -> bool:
        with self.lock:
            if self.records.pop(interaction_id, None) is None:
                return False
            self.deleted.add(interaction_id)
            return True

    def count(self) -> int:
        """Interactions held (stored and store=false ones)."""
        with self.lock:
            return len(self.records) + len(self.unstored)

    def set_usage(self, interaction_id: str, usage: dict) -> None:
        with self.lock:
            if interaction_id in self.records:
                self.records[interaction_id].usage = usage
