"""What a classroom is: one folder, one instructor and a few students (Unix users).

    CLASSROOM/
      hub/              the hub's state: its database, cookie secret, config, log, demo logins (root, 0700)
      exchange/         nbgrader's exchange (root, 1777); exchange/lstm-course/ belongs to the instructor
      course/           the instructor's nbgrader course folder (the instructor's, 0700): solutions/,
                        notebooks/, nbgrader_config.py, gradebook.db, submitted/, grades/
      config/<role>/    what each role's server reads besides its own files (JUPYTER_CONFIG_PATH)
      runtime/venv/     where the course's venv cannot be run by the users: a copy they can run

Everything that must survive a restart of the hub lives here, nothing in /tmp. Light: no
side effects, nothing heavy imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..course import COURSE_ID, REPO, CourseError

DEFAULT_DIR = REPO / "classroom"
DEFAULT_PORT = 8000
DEFAULT_INSTRUCTOR = "lstm-instructor"
DEFAULT_STUDENTS = ("lstm-ada", "lstm-ben", "lstm-cleo")
STAFF_GROUP = "lstm-course-staff"  # may read the repository's instructor-only folders (runtime.protect_repository)
MARK = "lstm-course classroom user"  # the GECOS field of the users the command created; it manages no other
GRADES = "grades"  # `lstm-course grade --out` inside the course folder; feedback/ and autograded/ live there

# A Unix user name nbgrader can use as a student id: no '+' (it separates the parts of a
# submission's name in the exchange), none of the characters useradd refuses.
_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Classroom:
    root: Path
    instructor: str = DEFAULT_INSTRUCTOR
    students: tuple[str, ...] = DEFAULT_STUDENTS

    def __post_init__(self):
        names = [self.instructor, *self.students]
        bad = [n for n in names if not _NAME.match(n)]
        if bad:
            raise CourseError(f"not a Unix user name the classroom can use: {', '.join(bad)} (lower-case letters, "
                              f"digits, '-' and '_', starting with a letter or '_', at most 32 characters)")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise CourseError(f"named twice: {', '.join(twice)} (the instructor and each student need their own user)")
        if not self.students:
            raise CourseError("a classroom needs at least one student")

    # -- people
    @property
    def users(self) -> tuple[str, ...]:
        return (self.instructor, *self.students)

    def role(self, user: str) -> str:
        if user == self.instructor:
            return "instructor"
        if user in self.students:
            return "student"
        raise KeyError(user)

    # -- folders
    @property
    def hub(self) -> Path:
        return self.root / "hub"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def exchange_course(self) -> Path:
        return self.exchange / COURSE_ID

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def grades(self) -> Path:
        return self.course / GRADES

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.course / 'gradebook.db'}"

    def config(self, role: str) -> Path:
        return self.root / "config" / role

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def logins_file(self) -> Path:
        return self.hub / "demo-logins.json"

    @property
    def log(self) -> Path:
        return self.hub / "jupyterhub.log"
