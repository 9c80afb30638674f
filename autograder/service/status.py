"""`lstm-course serve --status`: one line per submission the grading service has seen, for an
instructor to read (also while the service runs: the queue is an SQLite file)."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from ..course import CourseError
from .queue import Entry, Queue

HEAD = ["student", "assignment", "submitted", "state", "waited", "graded in", "status", "score", "late"]


def _secs(a: float | None, b: float | None) -> str:
    return f"{b - a:.1f} s" if a is not None and b is not None else ""


def _clock(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%H:%M")


def line(e: Entry, now: float) -> list[str]:
    state = e.state
    if state == "queued" and e.not_before > now:
        state = f"held until {_clock(e.not_before)} (rate limit)"
    elif state == "queued" and e.attempts:
        state = "queued again (the service stopped while grading it)"
    score = "" if e.score is None else f"{e.score:g}/{e.max_score:g}"
    waited = _secs(e.seen_at, e.started_at) if e.started_at else _secs(e.seen_at, now) + " so far"
    return [e.student, e.assignment, e.submitted_at[:19], state, waited, _secs(e.started_at, e.graded_at),
            e.status, score, e.late]


def report(out: Path, now: float | None = None) -> str:
    db = Path(out) / ".service" / "queue.db"
    if not db.exists():
        raise CourseError(f"no grading service has run with --out {out} (no {db})")
    queue = Queue(db)
    try:
        entries = queue.entries()
    finally:
        queue.close()
    now = now or time.time()
    rows = [HEAD] + [line(e, now) for e in entries]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD))]
    text = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    counts = {s: sum(e.state == s for e in entries) for s in ("queued", "grading", "graded", "released")}
    text.append(f"{len(entries)} submission(s): " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(text)
