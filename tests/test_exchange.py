"""nbgrader's own exchange, end to end in a temporary exchange folder: release, fetch, submit,
collect, `lstm-course grade`, release_feedback, fetch_feedback."""
from __future__ import annotations

import csv
import os
import pwd
import shutil
import subprocess

import nbformat
import pytest

from conftest import A, BIN, NB, REPO, lstm_course, with_solutions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("exchange")]


def _nbg(args, cwd, home, user="instructor", **extra):
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home), "USER": user, "LOGNAME": user, "MPLBACKEND": "Agg",
           **extra}
    r = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{r.stderr[-2500:]}"
    return r


def test_exchange_round_trip(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    course, student_dir = tmp_path / "course", tmp_path / "alice"
    shutil.copytree(REPO / "solutions" / A, course / "solutions" / A)
    shutil.copy(REPO / "nbgrader_config.py", course)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(exchange)!r}\n")
    student_dir.mkdir()
    (student_dir / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'lstm-course'\n")
    home_i, home_s = tmp_path / "home_i", tmp_path / "home_s"
    home_i.mkdir(), home_s.mkdir()

    _nbg(["generate_assignment", A, "--force"], course, home_i)
    _nbg(["release_assignment", A, "--force"], course, home_i)

    _nbg(["fetch_assignment", A], student_dir, home_s, user="alice")
    fetched = student_dir / A / NB
    assert fetched.exists()
    nb = with_solutions(nbformat.read(str(fetched), as_version=4))
    nbformat.write(nb, str(fetched))
    _nbg(["submit", A], student_dir, home_s, user="alice")

    _nbg(["collect", A], course, home_i)
    submitted = course / "submitted"
    student = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's exchange names submissions by OS user
    assert (submitted / student / A / NB).exists()

    graded = course / "graded"
    r = subprocess.run(lstm_course() + ["grade", str(submitted), "--out", str(graded), "--quiet"],
                       cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    row = next(csv.DictReader(open(graded / "grades.csv")))
    assert row["student_id"] == student and float(row["auto_score"]) == float(row["auto_max_score"]) > 0

    _nbg(["release_feedback", A, f"--Exchange.root={exchange}"], graded, home_i)
    _nbg(["fetch_feedback", A], student_dir, home_s, user="alice")
    pages = list((student_dir / A / "feedback").rglob(f"{A}.html"))
    assert pages, "the student did not receive the feedback page"
    assert "Score" in pages[0].read_text()
