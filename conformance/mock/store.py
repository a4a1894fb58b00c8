"""Interaction state behind one small interface: in memory (default) or in an SQLite file.

:class:`InteractionStore` is everything the service needs: ids, add, read
(a snapshot copy), cancel, delete, and two small updates. Two
implementations:

* :class:`MemoryStore` (the default): thread-safe (one lock; uvicorn's loop,
  worker threads for big bodies and test threads share it), bounded by
  ``Limits.max_interactions`` (least recently used evicted first) and
  ``Limits.retention_s`` (idle interactions expire); both answer 404 after,
  like the API once its retention period has passed;
* :class:`SqliteStore` (``iconf mock --store PATH``): one file shared by every
  ``--workers`` process and kept across restarts (sqlite3 WAL, one
  transaction per change, records pickled: the file is the user's own).

Ids are deterministic per store ("v1_" + a counter-based token), which
keeps transcripts reproducible; the counter lives in the store, so workers
never hand out the same id.

Background runs are settled lazily: a record knows when its run finishes
(``finish_at``) and every read moves it to its final state once that time
has passed. This needs no worker thread or event-loop task, so it behaves
the same under uvicorn, httpx's ASGITransport or Starlette's TestClient,
and a poll can never observe anything but in_progress -> final.
"""

from __future__ import annotations

import base64
import pickle
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from . import _jsoncopy as copy
from .limits import DEFAULT_LIMITS, Limits
from .parse import CreateRequest

TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete"})


_ISO_SECONDS: dict[int, str] = {}


def iso(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and a Z suffix (sorts lexically like the instants it names).

    Every answer shows two of these; the seconds part is formatted once per second (a tiny cache).
    """
    whole = int(ts // 1)
    millis = int((ts - whole) * 1000)
    head = _ISO_SECONDS.get(whole)
    if head is None:
        if len(_ISO_SECONDS) > 64:
            _ISO_SECONDS.clear()
        head = _ISO_SECONDS[whole] = datetime.fromtimestamp(whole, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{head}.{millis:03d}Z"


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
    #: a paused answer (status requires_continuation): {"token", "rest": blocks still to come, "pause"}
    continuation: dict | None = None

    @property
    def running(self) -> bool:
        return self.status == "in_progress"

    def conversation(self) -> list[dict]:
        """History + this interaction's input + its output, as turns (what a chained call sees)."""
        turns = copy.deepcopy(self.history) + copy.deepcopy(self.request.turns)
        if self.outputs:
            turns.append({"role": "model", "content": copy.deepcopy(self.outputs)})
        return turns


_TOKEN_PREFIX = "iconf-mock:"


def make_id(seq: int) -> str:
    return "v1_" + base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{seq:06d}".encode()).decode().rstrip("=")


def seq_of(interaction_id: str) -> int | None:
    """The counter value an id was made from, or None if no store of this mock could have issued it."""
    if not interaction_id.startswith("v1_") or len(interaction_id) > 64:
        return None
    token = interaction_id[3:]
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.startswith(_TOKEN_PREFIX) or not text[len(_TOKEN_PREFIX):].isdigit():
        return None
    return int(text[len(_TOKEN_PREFIX):])


def _snapshot(record: Record) -> Record:
    """A shallow copy (the fields a store changes are replaced, never mutated in place): faster than copy.copy."""
    clone = object.__new__(Record)
    clone.__dict__.update(record.__dict__)
    return clone


def settle(record: Record, now: float) -> bool:
    """Move a background run to its final state once its time has come; True if it changed."""
    if record.running and record.finish_at is not None and now >= record.finish_at:
        record.status = record.final_status
        record.updated = max(record.created, record.finish_at)
        return True
    return False


def _cancel_in_place(record: Record, now: float) -> None:
    record.status = record.final_status = "cancelled"
    record.updated = max(record.created, now)
    record.outputs = []
    record.finish_at = record.updated


class InteractionStore:
    """The interface the service uses (every read returns a copy the caller may keep)."""

    clock = staticmethod(time.time)

    def new_id(self) -> tuple[str, int]:
        """A fresh (id, counter value)."""
        raise NotImplementedError

    def issued(self, interaction_id: str) -> bool:
        """Whether this store ever handed out the id (also after deletion or eviction)."""
        seq = seq_of(interaction_id)
        return seq is not None and seq <= self.last_seq()

    def last_seq(self) -> int:
        raise NotImplementedError

    def add(self, record: Record) -> None:
        raise NotImplementedError

    def snapshot(self, interaction_id: str, *, include_unstored: bool = False) -> Record | None:
        """A settled copy of a stored record (store=false ones only with ``include_unstored``), or None."""
        raise NotImplementedError

    def refresh(self, record: Record) -> Record:
        """A fresh settled copy of ``record`` (stored or not: streams of store=false calls), or it unchanged."""
        raise NotImplementedError

    def mark_observed(self, interaction_id: str) -> None:
        """Remember that a terminal state of the record has been shown to a client."""
        raise NotImplementedError

    def cancel(self, interaction_id: str) -> Record | None:
        """Move a running background record to cancelled; None if it is not running."""
        raise NotImplementedError

    def delete(self, interaction_id: str) -> bool:
        raise NotImplementedError

    def set_usage(self, interaction_id: str, usage: dict) -> None:
        raise NotImplementedError

    def count(self) -> int:
        """Interactions held (stored and store=false ones)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release files and connections (the memory store has none)."""


class MemoryStore(InteractionStore):
    """In-process state, bounded by count (LRU) and idle age."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.lock = threading.RLock()
        self.counter = 0
        #: id -> record; stored and store=false ones together (store=false: invisible to GET, kept only to
        #: answer previous_interaction_id with 400), least recently used first
        self.records: OrderedDict[str, Record] = OrderedDict()
        self.used: dict[str, float] = {}

    def new_id(self) -> tuple[str, int]:
        with self.lock:
            self.counter += 1
            return make_id(self.counter), self.counter

    def last_seq(self) -> int:
        return self.counter

    def _touch(self, interaction_id: str) -> None:
        self.records.move_to_end(interaction_id)
        self.used[interaction_id] = self.clock()

    def _live(self, interaction_id: str) -> Record | None:
        """The record if held and not expired (expired ones are dropped here: 404 from now on)."""
        record = self.records.get(interaction_id)
        if record is None:
            return None
        retention = self.limits.retention_s
        if retention and self.clock() - self.used.get(interaction_id, 0.0) > retention:
            self._drop(interaction_id)
            return None
        self._touch(interaction_id)
        return record

    def _drop(self, interaction_id: str) -> None:
        self.records.pop(interaction_id, None)
        self.used.pop(interaction_id, None)

    def _evict(self) -> None:
        limit = self.limits.max_interactions
        if limit:
            while len(self.records) > limit:
                oldest = next(iter(self.records))
                self._drop(oldest)
        retention = self.limits.retention_s
        if retention:
            cutoff = self.clock() - retention
            while self.records:
                oldest = next(iter(self.records))
                if self.used.get(oldest, 0.0) >= cutoff:
                    break
                self._drop(oldest)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records[record.id] = record
            self._touch(record.id)
            self._evict()

    def snapshot(self, interaction_id: str, *, include_unstored: bool = False) -> Record | None:
        with self.lock:
            record = self._live(interaction_id)
            if record is None or (not record.stored and not include_unstored):
                return None
            settle(record, self.clock())
            return _snapshot(record)

    def refresh(self, record: Record) -> Record:
        with self.lock:
            live = self._live(record.id)
            if live is None:
                return record
            settle(live, self.clock())
            return _snapshot(live)

    def mark_observed(self, interaction_id: str) -> None:
        with self.lock:
            record = self.records.get(interaction_id)
            if record is not None and record.status in TERMINAL:
                record.observed_terminal = True

    def cancel(self, interaction_id: str) -> Record | None:
        with self.lock:
            record = self._live(interaction_id)
            if record is None or not record.stored:
                return None
            settle(record, self.clock())
            if not (record.background and record.running):
                return None
            _cancel_in_place(record, self.clock())
            return _snapshot(record)

    def delete(self, interaction_id: str) -> bool:
        with self.lock:
            record = self._live(interaction_id)
            if record is None or not record.stored:
                return False
            self._drop(interaction_id)
            return True

    def set_usage(self, interaction_id: str, usage: dict) -> None:
        with self.lock:
            record = self.records.get(interaction_id)
            if record is not None and record.stored:
                record.usage = usage

    def count(self) -> int:
        with self.lock:
            return len(self.records)


#: the name the service and older callers use
Store = MemoryStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ids (seq INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    stored INTEGER NOT NULL,
    observed INTEGER NOT NULL DEFAULT 0,
    used REAL NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_used ON interactions (used);
"""


class SqliteStore(InteractionStore):
    """State in one SQLite file: shared by every worker process, kept across restarts.

    Each process holds one connection (guarded by a lock: the event loop and worker threads share it);
    each change is one ``BEGIN IMMEDIATE`` transaction, so a cancel in one worker and a read in another
    never see half a change. Bounded like the memory store, by count (the least recently changed go
    first) and idle age; reads do not write, so "used" means created or changed.
    """

    def __init__(self, path: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        with self.lock:
            self.db.executescript(_SCHEMA)

    # --- plumbing -------------------------------------------------------------------------------

    def _write(self, change):
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = change()
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return result

    def _load(self, interaction_id: str) -> tuple[Record, float] | None:
        row = self.db.execute("SELECT data, observed, used FROM interactions WHERE id = ?",
                              (interaction_id,)).fetchone()
        if row is None:
            return None
        record: Record = pickle.loads(row[0])
        record.observed_terminal = record.observed_terminal or bool(row[1])
        return record, row[2]

    def _live(self, interaction_id: str) -> Record | None:
        loaded = self._load(interaction_id)
        if loaded is None:
            return None
        record, used = loaded
        retention = self.limits.retention_s
        if retention and self.clock() - used > retention:
            return None  # expired: 404 (the row goes at the next eviction)
        settle(record, self.clock())
        return record

    def _put(self, record: Record) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO interactions (id, seq, stored, observed, used, data) VALUES (?, ?, ?, ?, ?, ?)",
            (record.id, record.seq, int(record.stored), int(record.observed_terminal), self.clock(),
             pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)))

    def _evict(self) -> None:
        retention = self.limits.retention_s
        if retention:
            self.db.execute("DELETE FROM interactions WHERE used < ?", (self.clock() - retention,))
        limit = self.limits.max_interactions
        if limit:
            self.db.execute("DELETE FROM interactions WHERE id IN (SELECT id FROM interactions ORDER BY used DESC "
                            "LIMIT -1 OFFSET ?)", (limit,))

    # --- the interface --------------------------------------------------------------------------

    def new_id(self) -> tuple[str, int]:
        seq = self._write(lambda: self.db.execute("INSERT INTO ids DEFAULT VALUES").lastrowid)
        return make_id(seq), seq

    def last_seq(self) -> int:
        with self.lock:
            row = self.db.execute("SELECT MAX(seq) FROM ids").fetchone()
        return row[0] or 0

    def add(self, record: Record) -> None:
        def change() -> None:
            self._put(record)
            self._evict()
        self._write(change)

    def snapshot(self, interaction_id: str, *, include_unstored: bool = False) -> Record | None:
        with self.lock:
            record = self._live(interaction_id)
        if record is None or (not record.stored and not include_unstored):
            return None
        return record

    def refresh(self, record: Record) -> Record:
        with self.lock:
            live = self._live(record.id)
        return record if live is None else live

    def mark_observed(self, interaction_id: str) -> None:
        with self.lock:
            record = self._live(interaction_id)
            if record is None or record.observed_terminal or record.status not in TERMINAL:
                return
            self.db.execute("UPDATE interactions SET observed = 1 WHERE id = ?", (interaction_id,))

    def cancel(self, interaction_id: str) -> Record | None:
        def change() -> Record | None:
            record = self._live(interaction_id)
            if record is None or not record.stored or not (record.background and record.running):
                return None
            _cancel_in_place(record, self.clock())
            self._put(record)
            return record
        return self._write(change)

    def delete(self, interaction_id: str) -> bool:
        def change() -> bool:
            record = self._live(interaction_id)
            if record is None or not record.stored:
                return False
            self.db.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
            return True
        return self._write(change)

    def set_usage(self, interaction_id: str, usage: dict) -> None:
        def change() -> None:
            record = self._live(interaction_id)
            if record is not None and record.stored:
                record.usage = usage
                self._put(record)
        self._write(change)

    def count(self) -> int:
        with self.lock:
            return self.db.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]

    def close(self) -> None:
        with self.lock:
            self.db.close()


def open_store(path: str | None, limits: Limits = DEFAULT_LIMITS) -> InteractionStore:
    """The store a config names: SQLite at ``path``, or memory."""
    return SqliteStore(path, limits) if path else MemoryStore(limits)
