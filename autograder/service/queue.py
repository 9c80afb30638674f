"""The grading service's durable queue: every submission seen in the exchange, and what
became of it, in one SQLite file (each change one committed transaction).

A submission moves queued -> grading -> graded -> released. Killed at any moment (SIGKILL
included) and restarted, the service finds every submission again: one it was grading goes
back to the queue (its grading never finished, so it is graded once, to the end); one graded
but not yet released is released; nothing is graded twice to the end, nothing is lost.

Rate limit: at most `per_hour` submissions of one student for one assignment start grading in
any hour; a later one waits in the queue (`not_before`) and is graded when allowed, never dropped.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id            TEXT PRIMARY KEY,   -- the inbound folder's name: student+assignment+timestamp+random
    student       TEXT NOT NULL,
    assignment    TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,      -- nbgrader's timestamp of the submission
    seen_at       REAL NOT NULL,      -- when the service found it (time.time())
    state         TEXT NOT NULL,      -- queued | grading | graded | released
    not_before    REAL NOT NULL DEFAULT 0,
    started_at    REAL,
    graded_at     REAL,
    released_at   REAL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    completions   INTEGER NOT NULL DEFAULT 0, -- gradings that ran to the end (1, once graded)
    late          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT '',
    score         REAL,
    max_score     REAL,
    detail        TEXT NOT NULL DEFAULT '',
    result        TEXT                -- the grading Result, as JSON
);
CREATE INDEX IF NOT EXISTS by_state ON submissions (state, not_before, seen_at);
"""

STATES = ("queued", "grading", "graded", "released")


@dataclass(frozen=True)
class Entry:
    id: str
    student: str
    assignment: str
    submitted_at: str
    seen_at: float
    state: str
    not_before: float
    started_at: float | None
    graded_at: float | None
    released_at: float | None
    attempts: int
    completions: int
    late: str
    status: str
    score: float | None
    max_score: float | None
    detail: str
    result: str | None

    def result_dict(self) -> dict | None:
        return json.loads(self.result) if self.result else None


class Queue:
    """The queue in `path` (created when missing). One process uses it at a time."""

    def __init__(self, path: Path, per_hour: int | None = None):
        self.path = Path(path)
        self.per_hour = per_hour
        self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _one(self, sql: str, *args) -> Entry | None:
        row = self.db.execute(sql, args).fetchone()
        return Entry(**dict(row)) if row else None

    def entries(self, state: str | None = None) -> list[Entry]:
        sql = "SELECT * FROM submissions" + (" WHERE state = ?" if state else "") + " ORDER BY seen_at, id"
        return [Entry(**dict(r)) for r in self.db.execute(sql, (state,) if state else ())]

    def get(self, id: str) -> Entry | None:
        return self._one("SELECT * FROM submissions WHERE id = ?", id)

    def add(self, id: str, student: str, assignment: str, submitted_at: str, late: str = "",
            now: float | None = None) -> bool:
        """Queue a submission seen for the first time; False when it was known already."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO submissions (id, student, assignment, submitted_at, seen_at, state, late) "
            "VALUES (?, ?, ?, ?, ?, 'queued', ?)", (id, student, assignment, submitted_at, now or time.time(), late))
        return cur.rowcount == 1

    def recover(self) -> list[str]:
        """After a restart: what was being graded goes back to the queue (graded again, to the end)."""
        ids = [r["id"] for r in self.db.execute("SELECT id FROM submissions WHERE state = 'grading'")]
        self.db.execute("UPDATE submissions SET state = 'queued' WHERE state = 'grading'")
        return ids

    def _started_within_hour(self, student: str, assignment: str, now: float) -> list[float]:
        rows = self.db.execute(
            "SELECT started_at FROM submissions WHERE student = ? AND assignment = ? AND started_at IS NOT NULL "
            "AND started_at > ? AND attempts > 0 ORDER BY started_at", (student, assignment, now - 3600))
        return [r["started_at"] for r in rows]

    def next(self, now: float | None = None, busy: set[str] = frozenset(), only: str | None = None) -> Entry | None:
        """The oldest queued submission allowed to start now (the rate limit holds), marked as
        grading; None when there is none. `busy`: ids already handed out; `only`: this one
        (taken whatever the rate limit: it is set aside, not graded)."""
        now = now or time.time()
        if only is not None:
            self.db.execute("UPDATE submissions SET state = 'grading', started_at = ? WHERE id = ? AND state = 'queued'",
                            (now, only))
            return self.get(only)
        for row in self.db.execute("SELECT * FROM submissions WHERE state = 'queued' AND not_before <= ? "
                                   "ORDER BY seen_at, id", (now,)).fetchall():
            entry = Entry(**dict(row))
            if entry.id in busy:
                continue
            if self.per_hour is not None:
                recent = self._started_within_hour(entry.student, entry.assignment, now)
                if len(recent) >= self.per_hour:
                    wait_until = recent[len(recent) - self.per_hour] + 3600
                    self.db.execute("UPDATE submissions SET not_before = ? WHERE id = ?", (wait_until, entry.id))
                    continue
            self.db.execute("UPDATE submissions SET state = 'grading', started_at = ?, attempts = attempts + 1 "
                            "WHERE id = ? AND state = 'queued'", (now, entry.id))
            return self.get(entry.id)
        return None

    def graded(self, id: str, row: dict, result: dict, now: float | None = None) -> None:
        """The grading of `id` finished: its grades.csv row and Result."""
        self.db.execute(
            "UPDATE submissions SET state = 'graded', graded_at = ?, status = ?, score = ?, max_score = ?, "
            "detail = ?, result = ?, completions = completions + 1 WHERE id = ?",
            (now or time.time(), row["status"], float(row["score"]), float(row["max_score"]), row.get("detail", ""),
             json.dumps(result), id))

    def released(self, id: str, now: float | None = None) -> None:
        self.db.execute("UPDATE submissions SET state = 'released', released_at = ? WHERE id = ?",
                        (now or time.time(), id))

    def waiting(self, now: float | None = None) -> int:
        """Queued submissions the rate limit does not hold back (as far as is known)."""
        row = self.db.execute("SELECT COUNT(*) AS n FROM submissions WHERE state = 'queued' AND not_before <= ?",
                              (now or time.time(),)).fetchone()
        return row["n"]

    def next_wake(self) -> float | None:
        """When the earliest submission held back by the rate limit may start."""
        row = self.db.execute("SELECT MIN(not_before) AS t FROM submissions WHERE state = 'queued'").fetchone()
        return row["t"] if row and row["t"] else None
