"""Deadlines and the late rule of each assignment, for the grading service.

Where they come from, in this order: the service's options (`--deadline A=WHEN`, `--late RULE`
or `--late A=RULE`), then nbgrader's own settings in the course folder: the assignment's due
date in the course's gradebook (what the formgrader sets) and `LateSubmissionPlugin.penalty_method`
in its nbgrader_config.py ("none": graded as usual, "zero": scores 0).

Rules: `grade` (graded, marked late), `zero` (graded for the feedback, scores 0), `refuse`
(kept, not graded, the student is told).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..course import CourseError

RULES = ("grade", "zero", "refuse")
NBGRADER_PENALTY = {"none": "grade", "zero": "zero"}


def parse_when(text: str) -> dt.datetime:
    """An ISO date-time (UTC when it names no zone) or nbgrader's timestamp format."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        from nbgrader.utils import parse_utc
        try:
            when = parse_utc(text)
        except Exception:
            raise CourseError(f"not a date and time: {text!r} (e.g. 2026-12-10T23:59:00+01:00)")
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


@dataclass
class Rules:
    deadlines: dict[str, dt.datetime] = field(default_factory=dict)
    late: dict[str, str] = field(default_factory=dict)   # per assignment
    default_late: str | None = None                      # None: not set ("grade")

    def lateness(self, assignment: str, submitted_at: str) -> str:
        """'' when on time (or no deadline), else how late, e.g. '1 h 5 min after the deadline'."""
        deadline = self.deadlines.get(assignment)
        if deadline is None:
            return ""
        when = parse_when(submitted_at)
        if when <= deadline:
            return ""
        minutes = int((when - deadline).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        days, hours = divmod(hours, 24)
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
        return " ".join(p for p in parts if p) + " after the deadline"

    def rule(self, assignment: str) -> str:
        return self.late.get(assignment, self.default_late or "grade")


def from_options(deadlines: list[str], late: list[str]) -> Rules:
    """`A=WHEN` deadlines; `RULE` (every assignment) or `A=RULE` late rules."""
    rules = Rules()
    for item in deadlines or []:
        name, sep, when = item.partition("=")
        if not sep or not name:
            raise CourseError(f"--deadline {item!r}: expected ASSIGNMENT=WHEN, e.g. 01_gates=2026-12-10T23:59:00Z")
        rules.deadlines[name] = parse_when(when)
    for item in late or []:
        name, sep, rule = item.rpartition("=")
        if rule not in RULES:
            raise CourseError(f"--late {item!r}: the rule is one of {', '.join(RULES)}")
        if sep:
            rules.late[name] = rule
        else:
            rules.default_late = rule
    return rules


def with_course_settings(rules: Rules, course_dir: Path | None) -> Rules:
    """Fill in what the options left open from nbgrader's settings in `course_dir`: due dates
    from its gradebook, the late penalty from its nbgrader_config.py."""
    if course_dir is None or not (Path(course_dir) / "nbgrader_config.py").exists():
        return rules
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    penalty = config.get("LateSubmissionPlugin", {}).get("penalty_method")
    if penalty in NBGRADER_PENALTY and rules.default_late is None:
        rules.default_late = NBGRADER_PENALTY[penalty]
    db_url = config.get("CourseDirectory", {}).get("db_url") or f"sqlite:///{Path(course_dir) / 'gradebook.db'}"
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return rules
    from nbgrader.api import Gradebook
    course_id = config.get("CourseDirectory", {}).get("course_id") or "lstm-course"
    try:
        with Gradebook(db_url, course_id) as gb:
            for a in gb.assignments:
                if a.duedate is not None and a.name not in rules.deadlines:
                    due = a.duedate
                    rules.deadlines[a.name] = due if due.tzinfo else due.replace(tzinfo=dt.timezone.utc)
    except Exception:  # an unreadable gradebook: the options alone decide
        pass
    return rules
