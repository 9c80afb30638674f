"""The classroom's folders, with their owners and modes, and the settings each role reads.

    CLASSROOM/                  root 0755   (users pass through it)
      hub/                      root 0700   the hub's database, cookie secret, config, log, demo logins
      exchange/                 root 1777   nbgrader demands a root writable by all; the sticky bit keeps
                                            anyone from renaming or replacing the course's folder in it
                                            (nbgrader#1225: stock 0777 lets a student swap it for their own)
        lstm-course/            instructor 0755
          outbound/             instructor 0755   released assignments, read-only for students
          inbound/              instructor 3733   students write, nobody lists; setgid: submissions get the
                                                  instructor's group (exchange.PrivateSubmit), sticky: nobody
                                                  renames or deletes another's submission
          feedback/             instructor 0711   pages under secret names, not listable
      course/                   instructor 0700   the course folder: solutions, gradebook, submissions, grades
      config/instructor/        root:instructor 0750   nbgrader settings of the instructor's server
      config/student/           root 0755   nbgrader settings of the students' servers (no formgrader)

Made at each start (idempotent); the course folder's content is copied from the repository
once, when it is created, and then belongs to the instructor.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

from ..course import COURSE_ID, REPO
from .layout import GRADES, Classroom
from .runtime import Runtime


# Every server: no news feed, no update check (JupyterLab fetches both from the internet).
SERVER = {"LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}


def _dir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def _file(path: Path, text: str, mode: int = 0o644, uid: int = 0, gid: int = 0) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.chown(tmp, uid, gid)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def prepare(room: Classroom, rt: Runtime) -> None:
    ins = pwd.getpwnam(room.instructor)
    uid, gid = ins.pw_uid, ins.pw_gid
    _dir(room.root, 0o755)
    _dir(room.hub, 0o700)
    _dir(room.exchange, 0o1777)
    _dir(room.exchange_course, 0o755, uid, gid)
    _dir(room.exchange_course / "outbound", 0o755, uid, gid)
    _dir(room.exchange_course / "inbound", 0o3733, uid, gid)
    _dir(room.exchange_course / "feedback", 0o711, uid, gid)
    _course(room, uid, gid)
    _dir(room.config("instructor"), 0o750, 0, gid)
    _file(room.config("instructor") / "nbgrader_config.py", instructor_settings(room), 0o644)
    _file(room.config("instructor") / "jupyter_server_config.json", json.dumps(SERVER, indent=1) + "\n")
    _dir(room.config("student"), 0o755)
    _file(room.config("student") / "nbgrader_config.py", student_settings(room))
    # Students get no formgrader: its server extension and its lab panels off.
    _file(room.config("student") / "jupyter_server_config.json", json.dumps(
        {**SERVER, "ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}},
        indent=1) + "\n")
    _dir(room.config("student") / "labconfig", 0o755)
    _file(room.config("student") / "labconfig" / "page_config.json", json.dumps(
        {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True}},
        indent=1) + "\n")


def _course(room: Classroom, uid: int, gid: int) -> None:
    course = room.course
    new = not course.exists()
    course.mkdir(parents=True, exist_ok=True)
    if new:  # the course's notebooks, once: from then on they are the instructor's
        for folder in ("solutions", "notebooks"):
            shutil.copytree(REPO / folder, course / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    _file(course / "nbgrader_config.py", course_settings(room), 0o644, uid, gid)
    for dirpath, dirs, files in os.walk(course):  # whatever root left there is the instructor's
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirs + files)]:
            os.lchown(name, uid, gid)
    os.chmod(course, 0o700)


def course_settings(room: Classroom) -> str:
    """The course folder's nbgrader_config.py: the course's own settings (what the
    repository's nbgrader_config.py applies), this classroom's exchange, and the grades of
    `lstm-course grade --out grades` where the formgrader and release_feedback look."""
    return f'''\
# nbgrader settings of the course folder of the classroom in {room.root}
# (written by `lstm-course hub` at each start: edit autograder/classroom/folders.py, not this file).
from autograder.nbgrader.config import apply

c = get_config()  # noqa: F821 (provided by nbgrader)
apply(c)  # the course's layout and grading settings, as in the repository
c.CourseDirectory.root = {str(room.course)!r}
c.Exchange.root = {str(room.exchange)!r}
# `lstm-course grade submitted --out {GRADES} --db {room.gradebook_url}` writes feedback/ and
# autograded/ in nbgrader's layout under {GRADES}/: the formgrader (manual grading, feedback) and
# `nbgrader release_feedback`, run here, read them there.
c.CourseDirectory.autograded_directory = "{GRADES}/autograded"
c.CourseDirectory.feedback_directory = "{GRADES}/feedback"
# Holes of stock nbgrader closed (autograder/classroom/exchange.py): a submission in another
# student's name is not collected; a page of a renamed notebook reaches its student.
c.ExchangeFactory.collect = "autograder.classroom.exchange.OwnerCheckedCollect"
c.ExchangeFactory.release_feedback = "autograder.classroom.exchange.ReleaseFeedback"
'''


def instructor_settings(room: Classroom) -> str:
    """Read by the instructor's server and commands wherever they run (JUPYTER_CONFIG_PATH):
    the formgrader reads its settings from the server's working folder, the home."""
    return f'''\
# The instructor's nbgrader settings: those of the course folder (written by `lstm-course hub`).
load_subconfig("nbgrader_config.py", path={str(room.course)!r})  # noqa: F821 (provided by traitlets)
'''


def student_settings(room: Classroom) -> str:
    return f'''\
# The students' nbgrader settings in the classroom in {room.root} (written by `lstm-course hub`).
c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(room.exchange)!r}
# A submission readable by its student and the instructor only (stock: by everyone; nbgrader#978).
c.ExchangeFactory.submit = "autograder.classroom.exchange.PrivateSubmit"
'''


def role_env(room: Classroom, rt: Runtime, role: str) -> dict[str, str]:
    """What a user's server (and so its kernels and terminals) gets in its environment."""
    return {"PATH": f"{rt.bin}:/usr/local/bin:/usr/bin:/bin", "JUPYTER_CONFIG_PATH": str(room.config(role)),
            "VIRTUAL_ENV": str(rt.venv)}
