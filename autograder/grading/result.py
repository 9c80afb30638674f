"""One submission to grade (`Job`) and what grading it gave (`Result`): a row of grades.csv,
its cells for cells.csv, where its feedback is."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .status import Status, needs_manual_grade


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    path: str  # SUBMITTED_DIR/<student>/<assignment>


@dataclass
class Result:
    student: str
    assignment: str
    status: Status = Status.GRADED
    detail: str = ""
    cells: list[dict] = field(default_factory=list)
    review: str = ""  # set when the out-of-kernel crosscheck disagrees with passing in-kernel tests
    feedback: dict[str, str] = field(default_factory=dict)  # notebook -> html file
    autograded: dict[str, str] = field(default_factory=dict)  # notebook -> nbgrader's autograded .ipynb
    notes: list[str] = field(default_factory=list)  # the grader's own fallbacks, said once per batch
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds (timings.csv)
    started: float = 0.0  # when a worker began grading it (time.time())

    def __post_init__(self):
        self.status = Status(self.status)

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "status": self.status.value}

    @classmethod
    def from_dict(cls, d: dict) -> "Result":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def totals(self) -> dict:
        """The grades.csv row."""
        auto = [c for c in self.cells if c["kind"] == "auto"]
        return {
            "student_id": self.student, "assignment": self.assignment,
            "score": num(sum(c["score"] or 0.0 for c in self.cells)),
            "max_score": num(sum(c["max_score"] for c in self.cells)),
            "auto_score": num(sum(c["score"] or 0.0 for c in auto)),
            "auto_max_score": num(sum(c["max_score"] for c in auto)),
            "needs_manual_grade": needs_manual_grade(self.status, [c["score"] for c in self.cells if c["kind"] == "manual"]),
            "status": self.status.value, "detail": self.detail, "review": self.review,
        }


def cell_row(job: Job, nb: str, grade_id: str, score: float | None, max_score: float, manual: bool) -> dict:
    """A cells.csv row (score None: a written answer not graded yet)."""
    return {"student_id": job.student, "assignment": job.assignment, "notebook": nb, "grade_id": grade_id,
            "kind": "manual" if manual else "auto", "score": score, "max_score": max_score}


def num(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x
