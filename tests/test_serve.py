"""`lstm-course serve` on nbgrader's real exchange: submissions made with `nbgrader submit` are
graded as they arrive and each student fetches their feedback with `nbgrader fetch_feedback`,
with nobody's help; killed with SIGKILL mid-class and started again, the service grades every
submission once and loses none; the rate limit and the late rules hold."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from conftest import A, BIN, NB, REPO, lstm_course, needs_sandbox, release_nb, with_solutions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve"), needs_sandbox]


def _nbg(args, cwd, home):
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home), "MPLBACKEND": "Agg"}
    r = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{r.stderr[-2500:]}"
    return r


class Classroom:
    """A released 01_gates in a fresh exchange; students who submit with nbgrader's own command."""

    def __init__(self, base: Path):
        self.base, self.exchange = base, base / "exchange"
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o777)
        course = base / "course"
        shutil.copytree(REPO / "solutions" / A, course / "solutions" / A)
        shutil.copy(REPO / "nbgrader_config.py", course)
        with open(course / "nbgrader_config.py", "a") as f:
            f.write(f"c.Exchange.root = {str(self.exchange)!r}\n")
        (base / "home-instructor").mkdir()
        _nbg(["generate_assignment", A, "--force"], course, base / "home-instructor")
        _nbg(["release_assignment", A, "--force"], course, base / "home-instructor")

    def folder(self, student: str) -> Path:
        d = self.base / "students" / student
        if not d.exists():
            d.mkdir(parents=True)
            (d / "home").mkdir()
            (d / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.Exchange.root = {str(self.exchange)!r}\nc.CourseDirectory.course_id = 'lstm-course'\n")
            _nbg(["fetch_assignment", A], d, d / "home")
        return d

    def submit(self, student: str, nb) -> None:
        d = self.folder(student)
        nbformat.write(nb, str(d / A / NB))
        _nbg(["submit", A, "--student", student], d, d / "home")

    def fetch_feedback(self, student: str) -> list[Path]:
        d = self.folder(student)
        _nbg(["fetch_feedback", A, "--student", student], d, d / "home")
        return sorted((d / A / "feedback").rglob(f"{A}.html"))


def _serve(classroom, out, *extra, **kw):
    args = lstm_course() + ["serve", "--exchange", str(classroom.exchange), "--out", str(out), "--assignment", A,
                            "--workers", "2", "--poll", "0.3", "--no-owner-check", *extra]
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900, **kw)


def _entries(out: Path) -> list[dict]:
    """The service's queue, read as another process reads it (empty until the service made it)."""
    if not (out / ".service" / "queue.db").exists():
        return []
    db = sqlite3.connect(str(out / ".service" / "queue.db"), timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM submissions ORDER BY seen_at")]
    except sqlite3.OperationalError:  # the service is creating it right now
        return []
    finally:
        db.close()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    return Classroom(tmp_path_factory.mktemp("serve"))


def test_each_student_gets_feedback_without_the_instructor(classroom, tmp_path):
    classroom.submit("ada", with_solutions(release_nb()))
    classroom.submit("bo", release_nb())
    r = _serve(classroom, tmp_path / "out", "--until-idle")
    assert r.returncode == 0, r.stderr[-3000:]
    rows = {x["student_id"]: x for x in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    assert float(rows["ada"]["auto_score"]) == float(rows["ada"]["auto_max_score"]) > 0
    assert float(rows["bo"]["score"]) == 0 and rows["bo"]["status"] == "graded"
    for student, score in [("ada", rows["ada"]["score"]), ("bo", "0")]:
        pages = classroom.fetch_feedback(student)
        assert pages, f"{student} found no feedback"
        assert "Score" in pages[-1].read_text()
    timings = list(csv.DictReader(open(tmp_path / "out" / "timings.csv")))
    assert {t["phase"] for t in timings} >= {"queue", "copy", "autograde", "feedback", "write"}
    status = subprocess.run(lstm_course() + ["serve", "--status", "--out", str(tmp_path / "out")], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "2 released" in status.stdout and "ada" in status.stdout, status.stdout


def test_a_sigkill_mid_class_loses_nothing_and_grades_each_once(classroom, tmp_path):
    students = [f"s{i}" for i in range(6)]
    for s in students:
        classroom.submit(s, with_solutions(release_nb()) if int(s[1:]) % 2 else release_nb())
    out = tmp_path / "out"
    args = lstm_course() + ["serve", "--exchange", str(classroom.exchange), "--out", str(out), "--assignment", A,
                            "--workers", "2", "--poll", "0.3", "--no-owner-check"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        while time.time() < deadline:
            entries = _entries(out)
            if sum(e["state"] == "released" for e in entries) >= 2 and any(e["state"] == "grading" for e in entries):
                break
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-class: some released, some being graded, some queued
        proc.wait()
    before = {e["id"]: e["state"] for e in _entries(out)}
    assert "grading" in before.values() or "queued" in before.values(), before
    r = subprocess.run(args + ["--until-idle"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    entries = [e for e in _entries(out) if e["student"] in students]
    assert sorted(e["student"] for e in entries) == sorted(students)  # (ada's and bo's from before are not here)
    assert all(e["state"] == "released" and e["completions"] == 1 for e in entries), entries
    for s in students:
        assert classroom.fetch_feedback(s), f"{s} got no feedback"


def test_rate_limit_and_late_rules(classroom, tmp_path):
    for k in range(2):  # cy hands in twice within the hour
        classroom.submit("cy", with_solutions(release_nb()))
        time.sleep(1.1)
    out = tmp_path / "out"
    r = _serve(classroom, out, "--until-idle", "--per-hour", "1", "--deadline", f"{A}=2020-01-01T00:00:00Z",
               "--late", "zero")
    assert r.returncode == 0, r.stderr[-3000:]
    cy = [e for e in _entries(out) if e["student"] == "cy"]
    assert [e["state"] for e in cy] == ["released", "queued"], cy  # the second waits, not dropped
    assert cy[1]["not_before"] > time.time() + 3000
    assert cy[0]["late"].endswith("after the deadline") and cy[0]["score"] == 0
    row = {x["student_id"]: x for x in csv.DictReader(open(out / "grades.csv"))}["cy"]
    assert float(row["score"]) == 0 and "late rule" in row["detail"]
    page = (out / "feedback" / "cy" / A / f"{A}.html").read_text()
    assert "scores 0 under the course's late rule" in page
    status = subprocess.run(lstm_course() + ["serve", "--status", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=60).stdout
    assert "held until" in status and "(rate limit)" in status, status
    refused = _serve(classroom, tmp_path / "out2", "--until-idle", "--deadline", f"{A}=2020-01-01T00:00:00Z",
                     "--late", "refuse")
    assert refused.returncode == 0, refused.stderr[-2000:]
    rows = {x["student_id"]: x for x in csv.DictReader(open(tmp_path / "out2" / "grades.csv"))}
    assert rows["cy"]["status"] == "late, not graded" and "late rule" in rows["cy"]["detail"]


def test_a_submission_under_someone_elses_name_is_set_aside(classroom, tmp_path):
    """Every submission here is made by this one Unix account: with the owner check on (the
    default), none may claim another student's name."""
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    classroom.submit("zoe", with_solutions(release_nb()))
    args = lstm_course() + ["serve", "--exchange", str(classroom.exchange), "--out", str(tmp_path / "out"),
                            "--assignment", A, "--workers", "1", "--poll", "0.3", "--until-idle"]
    r = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = {x["student_id"]: x for x in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    assert rows["zoe"]["status"] == "refused" and f"Unix user {me!r}" in rows["zoe"]["detail"], rows["zoe"]
    assert float(rows["zoe"]["score"]) == 0
