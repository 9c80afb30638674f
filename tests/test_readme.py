"""Every command in README.md is run here, as written, and does what the README says."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import REPO, needs_sandbox

A = "01_gates"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def course_copy(tmp_path):
    """A copy of the course with one assignment, sharing this checkout's venv."""
    root = tmp_path / "course"
    for folder in ["solutions", "notebooks"]:
        shutil.copytree(REPO / folder / A, root / folder / A)
    shutil.copy(REPO / "nbgrader_config.py", root)
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def sh(cmd: str, cwd, timeout=900, **env):
    full_env = {**os.environ, **env}
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env)


def cmd(prefix: str) -> str:
    hits = [c for c in readme_commands() if c.startswith(prefix)]
    assert len(hits) == 1, f"README should have exactly one command starting with {prefix!r}: {hits}"
    return hits[0]


@pytest.mark.slow
def test_make_lab(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "readme-test"
    args = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.token={token} --ServerApp.open_browser=False"
    proc = subprocess.Popen(["bash", "-c", f'{cmd("make lab")} LAB_ARGS="{args}"'], cwd=REPO, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(tmp_path)})
    try:
        deadline, listing = time.time() + 120, None
        while time.time() < deadline and listing is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/{A}?token={token}", timeout=5) as r:
                    listing = json.load(r)
            except OSError:
                time.sleep(1)
        assert listing, "JupyterLab did not answer within 120 s"
        assert f"{A}.ipynb" in [c["name"] for c in listing["content"]]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as r:
            assert r.status == 200 and "JupyterLab" in r.read().decode()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


@pytest.mark.slow
def test_validate_reports_per_exercise():
    r = sh(cmd(".venv/bin/lstm-course validate"), REPO)
    assert r.returncode == 1, r.stderr  # the untouched release fails its visible tests
    assert "Exercise 1" in r.stdout and "not implemented yet" in r.stdout
    assert re.search(r"0/\d+ visible test cells pass", r.stdout)


@pytest.mark.slow
def test_make_demo():
    r = sh(cmd("make demo"), REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(r"ada_perfect\s+01_gates\s+(\d+)\s+\d+\s+graded", r.stdout), r.stdout
    assert re.search(r"bo_blank\s+01_gates\s+0\s+\d+\s+graded", r.stdout), r.stdout
    assert re.search(r"eve_crash\s+01_gates\s+0\s+\d+\s+kernel died", r.stdout), r.stdout
    assert "feedback:" in r.stdout and (REPO / "demo-out" / "graded" / "feedback" / "ada_perfect" / A).is_dir()
    rows = {r["student_id"]: r for r in csv.DictReader(open(REPO / "demo-out" / "graded" / "grades.csv"))}
    assert float(rows["ada_perfect"]["auto_score"]) == float(rows["ada_perfect"]["auto_max_score"])


@pytest.mark.slow
def test_build_and_check(tmp_path):
    root = course_copy(tmp_path)
    nb = root / "notebooks" / A / f"{A}.ipynb"
    nb.write_text(nb.read_text().replace("Gates", "Gatez", 1))
    check = sh(cmd(".venv/bin/lstm-course build --check"), root, LSTM_COURSE_ROOT=str(root))
    assert check.returncode == 1 and f"notebooks/{A}/{A}.ipynb" in check.stderr, check.stderr
    build = sh([c for c in readme_commands() if c == ".venv/bin/lstm-course build"][0], root, LSTM_COURSE_ROOT=str(root))
    assert build.returncode == 0, build.stderr
    assert sh(cmd(".venv/bin/lstm-course build --check"), root, LSTM_COURSE_ROOT=str(root)).returncode == 0


@pytest.mark.slow
def test_stock_nbgrader_generate_assignment(tmp_path):
    root = course_copy(tmp_path)
    shutil.rmtree(root / "notebooks")
    r = sh(cmd("PATH=$PWD/.venv/bin:$PATH nbgrader generate_assignment"), root)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((root / "notebooks" / A / f"{A}.ipynb").read_text()) == \
        json.loads((REPO / "notebooks" / A / f"{A}.ipynb").read_text())


@pytest.mark.slow
def test_grade(tmp_path):
    root = course_copy(tmp_path)
    shutil.copytree(REPO / "solutions" / A, root / "submitted" / "alice" / A)
    shutil.copytree(REPO / "notebooks" / A, root / "submitted" / "bob" / A)
    r = sh(cmd(".venv/bin/lstm-course grade"), root)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(root / "grades" / "grades.csv"))}
    assert float(rows["alice"]["auto_score"]) == float(rows["alice"]["auto_max_score"]) > 0
    assert float(rows["bob"]["score"]) == 0
    assert (root / "grades" / "cells.csv").exists()
    assert (root / "grades" / "feedback" / "alice" / A / f"{A}.html").exists()

    # the grades to Canvas, as the README says (a roster of the two students)
    (root / "roster.csv").write_text("student_id,lms_id,name,section\nalice,101,\"Lovelace, Ada\",A\nbob,102,Bob,A\n")
    r = sh(cmd(".venv/bin/lstm-course export"), root)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    canvas = list(csv.reader(open(root / "canvas.csv", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A], canvas[0]
    assert canvas[1][0] == "    Points Possible" and float(canvas[1][5]) == float(rows["alice"]["max_score"])
    by_id = {row[1]: row for row in canvas[2:]}
    assert float(by_id["101"][5]) == float(rows["alice"]["score"]) and by_id["101"][0] == "Lovelace, Ada"
    assert float(by_id["102"][5]) == 0


@pytest.mark.slow
@needs_sandbox
def test_serve(tmp_path):
    """The README's `serve` command on an exchange with one submission (plus --until-idle, so
    that it stops once that is graded): graded, its feedback released into the exchange."""
    import pwd
    root = course_copy(tmp_path)
    me = pwd.getpwuid(os.getuid()).pw_name  # a submission belongs to the Unix user it names
    sub = tmp_path / "exchange" / "lstm-course" / "inbound" / f"{me}+{A}+2026-12-01 10:00:00.000000 UTC+x1"
    shutil.copytree(REPO / "solutions" / A, sub)
    (sub / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    (sub / "submission_secret.txt").write_text("secret-of-the-test")
    line = cmd(".venv/bin/lstm-course serve").replace("/srv/nbgrader/exchange", str(tmp_path / "exchange"))
    r = sh(line + " --until-idle", root, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    rows = {x["student_id"]: x for x in csv.DictReader(open(root / "served" / "grades.csv"))}
    assert rows[me]["status"] == "graded" and float(rows[me]["auto_score"]) == float(rows[me]["auto_max_score"]) > 0
    assert len(list((tmp_path / "exchange" / "lstm-course" / "feedback").glob("*.html"))) == 1


@pytest.mark.slow
def test_run(tmp_path):
    root = course_copy(tmp_path)
    r = sh(cmd(".venv/bin/lstm-course run"), root)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    rows = list(csv.DictReader(open(root / "run-out" / "summary.csv")))
    assert [(x["assignment"], x["status"]) for x in rows] == [(A, "ok")]


def test_make_test_is_what_ci_runs():
    """`make test` is this suite itself: CI (.ci/run) runs exactly it."""
    assert cmd("make test") == "make test"
    assert "make test" in (REPO / ".ci" / "run").read_text()


EXERCISED = {
    "make lab": test_make_lab, ".venv/bin/lstm-course validate": test_validate_reports_per_exercise,
    "make demo": test_make_demo, ".venv/bin/lstm-course build": test_build_and_check,
    "PATH=$PWD/.venv/bin:$PATH nbgrader generate_assignment": test_stock_nbgrader_generate_assignment,
    ".venv/bin/lstm-course grade": test_grade, ".venv/bin/lstm-course run": test_run,
    "make test": test_make_test_is_what_ci_runs,
    ".venv/bin/lstm-course serve": test_serve, ".venv/bin/lstm-course export": test_grade,
}


def test_every_readme_command_is_exercised():
    unexercised = [c for c in readme_commands() if not any(c.startswith(p) for p in EXERCISED)]
    assert not unexercised, f"README commands without a test here: {unexercised}"
