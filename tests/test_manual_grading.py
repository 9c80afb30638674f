"""Grading written answers by hand in the folder `lstm-course grade` writes, as README.md says:
JupyterLab started there lists what waits for hand-given points in its formgrader; points given
in the gradebook reach the student through `nbgrader generate_feedback` and `release_feedback`;
and no later grade run (late submissions, a resumed run, a course's own gradebook as `--db`)
loses them.

The class comes through nbgrader's own exchange (release, fetch, submit, collect), so the
submission has the timestamp and secret that release_feedback and fetch_feedback need."""
from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import A, BIN, NB, REPO, lstm_course, needs_sandbox, release_nb, solution_nb, with_solutions, \
    write_submission
from autograder.nbgrader.cells import is_test, nbgrader_meta
from autograder.nbgrader.preprocessors import BEGIN_HIDDEN, END_HIDDEN

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("manual_grading"), needs_sandbox]

PAGE = f"{A}.html"
Q1 = "q1_forgetting"
COMMENT = "Right idea: say how much is left after 50 steps as well."
# What an instructor's shell has: the venv is not on PATH (README runs ../.venv/bin/...).
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"


# the tests' own Python path (a checkout tested from elsewhere), for the commands they start
PYTHONPATH = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}


def _nbg(args, cwd, home, user="instructor", path=f"{BIN}:{PLAIN_PATH}"):
    env = {"PATH": path, "HOME": str(home), "USER": user, "LOGNAME": user, "MPLBACKEND": "Agg", **PYTHONPATH}
    r = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{r.stderr[-3000:]}"
    return r


def _grade(submitted, out, *extra):
    r = subprocess.run(lstm_course() + ["grade", str(submitted), "--out", str(out), "--quiet", *extra],
                       cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "SAWarning" not in r.stderr, r.stderr[-3000:]
    return r


def _collected(folder):
    """A submission folder as `nbgrader collect` leaves it (its timestamp, and the secret
    `nbgrader submit` wrote): release_feedback reads both beside each page."""
    from datetime import datetime, timezone
    (folder / "timestamp.txt").write_text(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    (folder / "submission_secret.txt").write_text(os.urandom(32).hex())
    return folder


def _rows(out):
    return {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with an exchange; one student (the OS user) submits the reference solution
    through it; a blank submission is added beside; `lstm-course grade` grades both."""
    tmp = tmp_path_factory.mktemp("manual")
    exchange, root, student_dir = tmp / "exchange", tmp / "course", tmp / "student"
    home_i, home_s = tmp / "home_i", tmp / "home_s"
    for d in (exchange, student_dir, home_i, home_s):
        d.mkdir()
    os.chmod(exchange, 0o777)
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A)
    shutil.copy(REPO / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(exchange)!r}\n")
    (student_dir / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'lstm-course'\n")
    _nbg(["generate_assignment", A, "--force"], root, home_i)
    _nbg(["release_assignment", A, "--force"], root, home_i)
    _nbg(["fetch_assignment", A], student_dir, home_s, user="student")
    import nbformat
    fetched = student_dir / A / NB
    nbformat.write(with_solutions(nbformat.read(str(fetched), as_version=4)), str(fetched))
    _nbg(["submit", A], student_dir, home_s, user="student")
    _nbg(["collect", A], root, home_i)
    student = pwd.getpwuid(os.getuid()).pw_name  # the exchange names a submission by its OS user
    submitted, graded = root / "submitted", root / "graded"
    assert (submitted / student / A / "submission_secret.txt").exists()
    _collected(write_submission(submitted, "bob", release_nb()))  # as if bob had submitted from his own account
    _grade(submitted, graded)
    return dict(tmp=tmp, exchange=exchange, root=root, student_dir=student_dir, home_i=home_i, home_s=home_s,
                student=student, submitted=submitted, graded=graded)


# -- the formgrader, started as README.md says ------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lab:
    """`cd OUT_DIR && ../.venv/bin/jupyter lab` (a token, a free port, no browser)."""

    def __init__(self, folder, home, log):
        self.port, self.token = _free_port(), os.urandom(12).hex()
        cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--ServerApp.token={self.token}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        env = {"PATH": PLAIN_PATH, "HOME": str(home), "LANG": "C.UTF-8", **PYTHONPATH}
        self.log = log
        with open(log, "w") as f:
            self.proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=f, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.time() + 180
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited:\n{log.read_text()[-3000:]}")
            try:
                self.get("/api/status")
                return
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"jupyter lab did not answer:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)

    def get(self, path: str, raw: bool = False):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read().decode()
        return body if raw else json.loads(body)

    def stop(self):
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(wait)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


def test_formgrader_in_the_grading_folder_lists_what_to_grade_by_hand(course, tmp_path):
    lab = _Lab(course["graded"], tmp_path, tmp_path / "lab.log")
    try:
        assignments = {a["name"]: a for a in lab.get("/formgrader/api/assignments")}
        assert A in assignments, list(assignments)
        assert assignments[A]["num_submissions"] == 2 and assignments[A]["max_written_score"] > 0, assignments[A]
        subs = {s["student"]: s for s in lab.get(f"/formgrader/api/submissions/{A}")}
        assert set(subs) == {course["student"], "bob"}, subs
        for s in subs.values():
            assert s["autograded"] and s["needs_manual_grade"], s
        nbs = lab.get(f"/formgrader/api/submitted_notebooks/{A}/{A}")
        assert {n["student"] for n in nbs if n["needs_manual_grade"]} == {course["student"], "bob"}, nbs
        notebook = lab.get(f"/formgrader/api/notebooks/{A}")
        assert notebook[0]["needs_manual_grade"], notebook
        # the Manual Grading pages themselves
        assert "Manual Grading" in lab.get("/formgrader/gradebook", raw=True)
        assert "Manual Grading" in lab.get(f"/formgrader/gradebook/{A}/{A}", raw=True)
    finally:
        lab.stop()


# -- points given by hand, to the student, and through later runs -----------------------------

def _give(db, grade_id, student, score, comment=None):
    """What the formgrader does when the instructor types a score (and a comment)."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}", "lstm-course") as gb:
        g = gb.find_grade(grade_id, A, A, student)
        g.manual_score = score
        g.needs_manual_grade = False
        if comment is not None:
            gb.find_comment(grade_id, A, A, student).manual_comment = comment
        gb.db.commit()


def _manual(db, grade_id, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}", "lstm-course") as gb:
        return (gb.find_grade(grade_id, A, A, student).manual_score,
                gb.find_comment(grade_id, A, A, student).manual_comment)


def _heading(page: str, grade_id: str) -> str:
    start = page.index(f'<a name="{grade_id}"></a>')
    return page[start:page.index("</div>", start)]


def _hidden_lines() -> set[str]:
    lines = set()
    for c in solution_nb().cells:
        if is_test(c) and BEGIN_HIDDEN in c.source:
            inside = c.source.split(BEGIN_HIDDEN, 1)[1].split(END_HIDDEN, 1)[0]
            lines |= {ln.strip() for ln in inside.splitlines() if len(ln.strip()) > 30 and not ln.strip().startswith("#")}
    release = "\n".join(c.source for c in release_nb().cells)
    return {ln for ln in lines if ln not in release}


def _check_page(page: str) -> None:
    import html
    hidden = _hidden_lines()
    assert hidden
    leaked = [ln for ln in hidden if ln in page or html.escape(ln) in page or html.escape(ln, quote=False) in page]
    assert not leaked, f"hidden tests in a regenerated page: {leaked[:2]}"
    # the course's page (stock generate_feedback reads the course's nbgrader_config.py)
    assert "cdnjs" not in page and "<math" in page, "generate_feedback did not use the course's feedback page"


def test_hand_given_points_reach_the_student_and_survive_another_run(course):
    graded, student, db = course["graded"], course["student"], course["graded"] / "gradebook.db"
    written = [nbgrader_meta(c)["grade_id"] for c in solution_nb().cells
               if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]
    assert Q1 in written
    _give(db, Q1, student, 0.5, COMMENT)

    # README: cd grades && ../.venv/bin/nbgrader generate_feedback --force A; ... release_feedback A
    _nbg(["generate_feedback", "--force", A], graded, course["home_i"], path=PLAIN_PATH)
    page = (graded / "feedback" / student / A / PAGE).read_text()
    assert "Score: 0.5 / 1.0" in _heading(page, Q1), _heading(page, Q1)
    assert COMMENT in page
    for gid in written[1:]:
        assert "pending (graded by hand)" in _heading(page, gid)
    _check_page(page)
    _check_page((graded / "feedback" / "bob" / A / PAGE).read_text())

    _nbg(["release_feedback", A, f"--Exchange.root={course['exchange']}"], graded, course["home_i"], path=PLAIN_PATH)
    _nbg(["fetch_feedback", A], course["student_dir"], course["home_s"], user="student")
    fetched = list((course["student_dir"] / A / "feedback").rglob(PAGE))
    assert fetched, "the student did not receive the regenerated page"
    assert "Score: 0.5 / 1.0" in _heading(fetched[0].read_text(), Q1)

    # A late submission: the same command again, one more student. Nothing given by hand is lost.
    _collected(write_submission(course["submitted"], "dan", with_solutions(release_nb())))
    _grade(course["submitted"], graded)
    assert _manual(db, Q1, student) == (0.5, COMMENT)
    rows = _rows(graded)
    assert set(rows) == {student, "bob", "dan"}
    # grades.csv agrees with the gradebook: the hand-given half point counts
    assert float(rows[student]["score"]) == pytest.approx(float(rows[student]["auto_score"]) + 0.5), rows[student]
    assert float(rows["dan"]["auto_score"]) == float(rows["dan"]["auto_max_score"]) > 0
    _nbg(["generate_feedback", "--force", A], graded, course["home_i"], path=PLAIN_PATH)
    page = (graded / "feedback" / student / A / PAGE).read_text()
    assert "Score: 0.5 / 1.0" in _heading(page, Q1) and COMMENT in page
    assert "pending (graded by hand)" in _heading((graded / "feedback" / "dan" / A / PAGE).read_text(), Q1)
    _nbg(["release_feedback", A, f"--Exchange.root={course['exchange']}"], graded, course["home_i"], path=PLAIN_PATH)


def test_db_merges_into_a_course_gradebook_and_keeps_its_records(tmp_path):
    """`--db` names the course's own gradebook (which the formgrader reads): a grading run adds
    its submissions and auto scores, and keeps the students' names, other assignments, and
    the points and comments already given there."""
    from nbgrader.api import Gradebook
    from autograder.nbgrader.config import use_inprocess_alembic
    from autograder.nbgrader.generate import generate_release
    use_inprocess_alembic()
    db = tmp_path / "course-gradebook.db"
    generate_release(tmp_path / "release", [A], db_url=f"sqlite:///{db}")  # as `nbgrader generate_assignment` makes it
    with Gradebook(f"sqlite:///{db}", "lstm-course") as gb:
        gb.add_assignment("00_welcome")
        gb.add_student("alice", first_name="Alice", last_name="Liddell", email="alice@example.org")
        gb.add_student("zed", first_name="Zed", last_name="Zebra")
        with gb.db.no_autoflush:
            gb.add_submission(A, "zed")
    _give(db, Q1, "zed", 0.75, "Graded earlier in this course's formgrader.")

    sub = tmp_path / "submitted"
    write_submission(sub, "alice", with_solutions(release_nb()))
    _grade(sub, tmp_path / "out", "--db", f"sqlite:///{db}")

    row = _rows(tmp_path / "out")["alice"]
    with Gradebook(f"sqlite:///{db}", "lstm-course") as gb:
        assert {a.name for a in gb.assignments} >= {"00_welcome", A}
        alice = gb.find_student("alice")
        assert (alice.first_name, alice.last_name, alice.email) == ("Alice", "Liddell", "alice@example.org")
        assert gb.find_student("zed").first_name == "Zed"
        code = sum(g.auto_score or 0 for g in gb.find_submission_notebook(A, A, "alice").grades
                   if g.cell.cell_type == "code")
        assert code == pytest.approx(float(row["auto_score"])) and code > 0
        assert gb.find_grade(Q1, A, A, "alice").needs_manual_grade
    assert _manual(db, Q1, "zed") == (0.75, "Graded earlier in this course's formgrader.")
    assert not (tmp_path / "out" / "gradebook.db").exists(), "--db given, yet a gradebook was written in OUT_DIR"
