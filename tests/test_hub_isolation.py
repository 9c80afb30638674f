"""Isolation between the classroom's users (`lstm-course hub`), checked as those users.

A classroom is set up for real (`lstm-course hub --setup-only`: Unix users, the exchange, the
course folder, the settings); then, each command run under the user's own uid and groups
(setpriv, no capability of root's): the instructor releases 01_gates with nbgrader, two
students fetch and submit it, one of them also submits in the other's name, the instructor
collects, writes feedback pages in nbgrader's layout and releases them, the students fetch
their feedback. Then each check tries, as a student, what must fail (and as the instructor,
what must work). No hub is started: isolation is the file system's business.

Root only (it creates users); skipped elsewhere, with the reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import A, NB, REPO, lstm_course
from hub_util import Room, fresh_room, remove_users

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub_isolation")]

INSTRUCTOR, ADA, BEN = "lhiso-teacher", "lhiso-ada", "lhiso-ben"
ROOM = REPO / ".hub-test-isolation"
MARK = {ADA: "ADA-ANSWER-MARKER", BEN: "BEN-ANSWER-MARKER"}
RENAMED = "01_gates-ben"  # ben saves his notebook under another name


def _edit_as(room: Room, user: str, nb: Path, marker: str, rename: str | None = None) -> None:
    """As `user`: add a markdown cell with `marker` to the notebook (and rename it)."""
    code = ("import json, os, sys\n"
            "p = sys.argv[1]\n"
            "nb = json.load(open(p))\n"
            "nb['cells'].append({'cell_type': 'markdown', 'metadata': {}, 'source': [sys.argv[2]]})\n"
            "json.dump(nb, open(p, 'w'))\n"
            "if len(sys.argv) > 3: os.rename(p, os.path.join(os.path.dirname(p), sys.argv[3] + '.ipynb'))\n")
    room.ok(user, [str(room.bin / "python"), "-c", code, str(nb), marker, *([rename] if rename else [])])


@pytest.fixture(scope="module")
def room():
    if os.geteuid() != 0:
        pytest.skip("the classroom's isolation is checked as its own Unix users, which only root can create")
    from autograder.classroom.users import missing_tools
    if missing_tools():
        pytest.skip(f"missing commands to create and switch users: {', '.join(missing_tools())}")
    names = [INSTRUCTOR, ADA, BEN]
    fresh_room(ROOM, names)
    r = subprocess.run(lstm_course() + ["hub", "--setup-only", "--dir", str(ROOM), "--instructor", INSTRUCTOR,
                                        "--students", ADA, BEN], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"lstm-course hub --setup-only failed:\n{r.stdout}\n{r.stderr}"
    room = Room(ROOM, INSTRUCTOR)
    room.log["setup"] = r.stdout

    # The term, as its users: release, fetch, submit (ada; ben, renamed; ben in ada's name).
    room.log["release"] = room.nbgrader(INSTRUCTOR, "release_assignment", A, cwd=room.course)
    for s in (ADA, BEN):
        room.nbgrader(s, "fetch_assignment", A)
    _edit_as(room, ADA, room.home(ADA) / A / NB, MARK[ADA])
    room.nbgrader(ADA, "submit", A)
    _edit_as(room, BEN, room.home(BEN) / A / NB, MARK[BEN], rename=RENAMED)
    room.nbgrader(BEN, "submit", A)
    room.log["forge"] = room.nbgrader(BEN, "submit", A, "--student", ADA)
    # The instructor collects, writes a feedback page per student in nbgrader's layout (as
    # `lstm-course grade --out grades` does, under the name the assignment expects), releases it.
    room.log["list"] = room.nbgrader(INSTRUCTOR, "list", "--inbound", cwd=room.course)
    room.log["collect"] = room.nbgrader(INSTRUCTOR, "collect", A, cwd=room.course)
    write = ("import os, shutil, sys\n"
             "for s in sys.argv[1:]:\n"
             "    sub, fb = f'submitted/{s}/01_gates', f'grades/feedback/{s}/01_gates'\n"
             "    os.makedirs(fb)\n"
             "    open(f'{fb}/01_gates.html', 'w').write(f'<html><body>FEEDBACK-FOR-{s}</body></html>')\n"
             "    for m in ('timestamp.txt', 'submission_secret.txt'): shutil.copy(f'{sub}/{m}', f'{fb}/{m}')\n")
    room.ok(INSTRUCTOR, [str(room.bin / "python"), "-c", write, ADA, BEN], cwd=room.course)
    room.log["release_feedback"] = room.nbgrader(INSTRUCTOR, "release_feedback", A, cwd=room.course)
    for s in (ADA, BEN):
        room.log[f"fetch_feedback {s}"] = room.nbgrader(s, "fetch_feedback", A)
    yield room
    remove_users(names)
    shutil.rmtree(ROOM, ignore_errors=True)


def _one(paths) -> Path:
    paths = list(paths)
    assert len(paths) == 1, paths
    return paths[0]


def test_the_instructor_can_do_every_instructor_step(room):
    assert "Released as: lstm-course 01_gates" in room.log["release"]
    assert room.log["list"].count(f"lstm-course {ADA} 01_gates") == 2, room.log["list"]  # ada's and ben's forgery
    assert f"Collecting submission: {ADA} 01_gates" in room.log["collect"]
    assert f"Collecting submission: {BEN} 01_gates" in room.log["collect"]
    assert "Releasing feedback for student" in room.log["release_feedback"]
    ada = _one(room.inbound(ADA))
    room.ok(INSTRUCTOR, ["cat", str(ada / NB)])  # reads a submission in the exchange (group rights)
    room.ok(INSTRUCTOR, ["cat", str(REPO / "solutions" / A / NB)])  # what `lstm-course grade` reads
    room.ok(INSTRUCTOR, ["ls", str(room.exchange / "inbound")])


def test_a_student_cannot_list_read_or_change_another_students_submission(room):
    ada = _one(room.inbound(ADA))  # its name, as if it had leaked
    room.denied(BEN, f"ls '{room.exchange / 'inbound'}'", "list the exchange's inbound folder")
    room.denied(BEN, f"cat '{ada / NB}'", "read ada's submitted notebook")
    room.denied(BEN, f"cat '{ada / 'submission_secret.txt'}'", "read ada's submission secret (it names her feedback)")
    room.denied(BEN, f"touch '{ada / 'planted.txt'}'", "write into ada's submission")
    room.denied(BEN, f"mv '{ada}' '{ada}.moved'", "rename ada's submission")
    room.denied(BEN, f"rm -rf '{ada}'", "delete ada's submission")
    assert (ada / NB).exists() and not (ada / "planted.txt").exists()


def test_a_student_cannot_read_another_students_home_or_feedback(room):
    home = room.home(ADA)
    page = _one((home / A / "feedback").glob(f"*/{A}.html"))
    assert f"FEEDBACK-FOR-{ADA}" in page.read_text()
    room.denied(BEN, f"ls '{home}'", "list ada's home")
    room.denied(BEN, f"cat '{home / A / NB}'", "read ada's notebook")
    room.denied(BEN, f"cat '{page}'", "read ada's fetched feedback")
    room.denied(BEN, f"ls '{home}/.local/share/jupyter/nbgrader_cache'", "read ada's nbgrader cache (her secrets)")
    room.denied(BEN, f"ls '{room.exchange / 'feedback'}'", "list the released feedback")
    ben_pages = list((room.home(BEN) / A / "feedback").rglob("*.html"))
    assert ben_pages and all(f"FEEDBACK-FOR-{ADA}" not in p.read_text() for p in ben_pages)


def test_a_student_cannot_read_the_instructors_files(room):
    for path, what in [(room.course, "list the course folder"),
                       (room.course / "solutions" / A / NB, "read the course folder's solutions"),
                       (room.course / "gradebook.db", "read the gradebook"),
                       (room.course / "grades" / "feedback" / ADA / A / f"{A}.html", "read ada's feedback page"),
                       (room.course / "submitted" / ADA / A / NB, "read ada's collected submission"),
                       (REPO / "solutions" / A / NB, "read the repository's solutions (hidden tests)"),
                       (REPO / "tests" / "mutants", "read the repository's tests"),
                       (room.root / "hub", "read the hub's state (cookie secret, demo passwords)"),
                       (room.root / "config" / "instructor" / "nbgrader_config.py", "read the instructor's settings")]:
        room.denied(BEN, f"ls '{path}' && cat '{path}' >/dev/null", what)


def test_a_student_cannot_change_the_released_assignment(room):
    out = room.exchange / "outbound" / A
    room.denied(BEN, f"echo x > '{out / NB}'", "overwrite the released notebook")
    room.denied(BEN, f"rm -rf '{out}'", "delete the released assignment")
    room.denied(BEN, f"mkdir '{room.exchange / 'outbound' / 'fake'}'", "release an assignment")
    room.denied(BEN, f"mv '{room.exchange}' '{room.exchange}.x'", "move the course's exchange folder aside "
                                                                    "(to put a folder of his own in its place)")
    assert (out / NB).read_bytes() == (room.course / "notebooks" / A / NB).read_bytes()


def test_a_student_cannot_submit_as_someone_else(room):
    forged = _one(room.inbound(BEN, named=ADA))  # nbgrader itself let ben write it
    assert f"Not collected: {forged.name} names {ADA} as its student but was written by {BEN}" \
           in room.log["collect"], room.log["collect"]
    collected = (room.course / "submitted" / ADA / A / NB).read_text()
    assert MARK[ADA] in collected and MARK[BEN] not in collected, \
        "ada's collected submission is not hers: the one ben made in her name was collected"


def test_the_feedback_of_a_renamed_notebook_reaches_its_student(room):
    page = _one((room.home(BEN) / A / "feedback").glob(f"*/{RENAMED}.html"))
    assert f"FEEDBACK-FOR-{BEN}" in page.read_text()
    assert f"also as {RENAMED}.ipynb" in room.log["release_feedback"]
