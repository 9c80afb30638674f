"""What became of a submission: its `Status`, the `Problem` of each notebook, and the rules
that turn a notebook's problems into the row's status (fast to test: no nbgrader here)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    """The `status` column of grades.csv."""
    GRADED = "graded"
    TIMEOUT = "timeout"                # a cell ran past its limit; the rest was graded
    KERNEL_DIED = "kernel died"
    INVALID = "invalid notebook"       # not JSON, not UTF-8, not a notebook
    MISSING = "missing notebook"
    UNKNOWN = "unknown assignment"
    ERROR = "grader error"
    LATE = "late, not graded"           # the grading service's `refuse` late rule
    REFUSED = "refused"                 # the grading service: not the submitter's own name

    def __str__(self) -> str:
        return self.value


# The row of a submission with several problems shows the first of these it has.
SEVERITY = [Status.KERNEL_DIED, Status.INVALID, Status.MISSING, Status.TIMEOUT, Status.ERROR, Status.UNKNOWN,
            Status.LATE, Status.REFUSED]


@dataclass(frozen=True)
class Problem:
    """Why one notebook of a submission was not (fully) graded."""
    status: Status
    detail: str
    timed_out: tuple = ()  # the grade_ids (or #index) of the cells that ran out of time

    @property
    def scored(self) -> bool:
        """Whether the notebook's cells still earn their scores (a timeout costs only the
        cells that ran out of time)."""
        return self.status == Status.TIMEOUT


def overall(problems: dict[str, Problem]) -> tuple[Status, str]:
    """The status and detail of a submission whose notebooks have `problems` (by notebook)."""
    if not problems:
        return Status.GRADED, ""
    worst = min(problems.values(), key=lambda p: SEVERITY.index(p.status))
    return worst.status, "; ".join(p.detail for p in problems.values())


def from_nbgrader_log(log: dict, nb: str) -> Problem:
    """Why nbgrader wrote no autograded notebook for `nb`, from its log (capture_log's dict)."""
    text = (log.get("log") or "") + (log.get("error") or "")
    if "DeadKernelError" in text or "kernel died" in text.lower():
        return Problem(Status.KERNEL_DIED, f"{nb}.ipynb: the kernel died while running it (os._exit, a crash or "
                                           "out of memory); nothing could be graded")
    if "Timeout" in text or "timed out" in text:
        return Problem(Status.TIMEOUT, f"{nb}.ipynb: execution timed out")
    last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:] or ["no output"]
    return Problem(Status.ERROR, f"{nb}.ipynb: nbgrader could not grade it ({last[0][:200]})")


def needs_manual_grade(status: Status, manual_scores: list[float | None]) -> bool:
    """Whether a row waits for hand-given points: a written answer not graded yet, in a
    submission that was graded (there is nothing to grade by hand in one that was not)."""
    return status in (Status.GRADED, Status.TIMEOUT) and any(s is None for s in manual_scores)
