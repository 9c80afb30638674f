"""nbgrader's generate_assignment over the course's assignments: the student release, and a
gradebook that knows every graded cell."""
from __future__ import annotations

import tempfile
from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .. import lifecycle
from ..course import REPO, CourseError, check_assignments
from .config import course_config


def generate_release(out_dir: Path, names: list[str] | None = None, *, db_url: str | None = None,
                     root: Path = REPO) -> list[str]:
    """Run nbgrader's generate_assignment for `names` (default: all) into `out_dir`.

    The gradebook is a throw-away sqlite file unless `db_url` is given (the grader passes its
    own, so that the gradebook learns the assignment's cells and hidden tests).
    """
    names = check_assignments(names, Path(root) / "solutions")
    out_dir = Path(out_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="lstm-course-build-") as tmp:
        c = course_config(root)
        c.CourseDirectory.release_directory = str(out_dir)
        c.CourseDirectory.db_url = db_url or f"sqlite:///{tmp}/gradebook.db"
        c.GenerateAssignment.create_assignment = True
        coursedir = CourseDirectory(config=c)
        api = NbGraderAPI(coursedir=coursedir, config=c)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            lifecycle.check()  # nbgrader catches a Ctrl-C too: it is not a failure to report
            if not result["success"]:
                detail = "\n".join(((result.get("log") or "") + "\n" + (result.get("error") or "")).strip().splitlines()[-25:])
                raise CourseError(f"nbgrader could not generate {name}:\n{detail}")
    return names
