"""Grading throughput: stock `nbgrader autograde` vs `lstm-course grade`, on the same class, in
one run.

    .venv/bin/python benchmarks/grading.py [--students 20] [--workers 2] [--assignment 01_gates]

The class is the demo class (autograder/demo/<assignment>.py) repeated until it has
`--students` students. Stock nbgrader runs with a plain configuration (the course layout
only, none of the course's hardening) and grades serially, as it does. The scores of the
students both graders graded are compared; every difference is printed with its reason.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.build import generate_release  # noqa: E402
from autograder.demo import demo_assignments, load_students, make_submissions  # noqa: E402

BIN = Path(sys.executable).parent


def make_class(base: Path, assignment: str, n: int) -> list[str]:
    demo = base / "demo"
    generate_release(demo / "release", [assignment])
    make_submissions(demo / "release", demo / "submitted", [assignment])
    names = sorted(load_students(assignment))
    students = []
    for k in range(n):
        src = names[k % len(names)]
        student = f"{src}_{k:03d}"
        shutil.copytree(demo / "submitted" / src / assignment, base / "submitted" / student / assignment)
        students.append(student)
    return students


def stock_scores(course: Path, assignment: str) -> dict[str, float]:
    """Autograded score per student, read from stock nbgrader's gradebook with its own API."""
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db", "bench") as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment, student.id)
            except Exception:
                continue
            scores[student.id] = sum(g.auto_score or 0 for nb in sub.notebooks for g in nb.grades
                                     if g.cell.cell_type == "code")
    return scores


def run_stock(base: Path, assignment: str) -> tuple[float, dict[str, float], set[str]]:
    course = base / "stock"
    shutil.copytree(REPO / "solutions" / assignment, course / "source" / assignment)
    shutil.copytree(base / "submitted", course / "submitted")
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'bench'\n")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "LSTM_COURSE_MODE": "grading", "MPLBACKEND": "Agg"}
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course, env=env,
                   check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([str(BIN / "nbgrader"), "autograde", assignment, "--force"], cwd=course, env=env,
                   capture_output=True)
    # feedback too: `lstm-course grade` writes it for every student, so the comparison is fair
    subprocess.run([str(BIN / "nbgrader"), "generate_feedback", assignment, "--force"], cwd=course, env=env,
                   capture_output=True)
    secs = time.perf_counter() - start
    graded = {p.parent.parent.name for p in (course / "autograded").glob(f"*/{assignment}/*.ipynb")}
    return secs, stock_scores(course, assignment), graded


def run_ours(base: Path, workers: int, sandbox: bool = True, pool: bool = False) -> tuple[float, dict[str, dict]]:
    """`pool`: force the kernel pool on (by default it is on only when workers < cores)."""
    out = base / ("ours" if sandbox else "ours-nosandbox")
    out = out.with_name(out.name + ("-pool" if pool else ""))
    env = {k: v for k, v in os.environ.items() if k != "LSTM_COURSE_PRESTART"}
    if pool:
        env["LSTM_COURSE_PRESTART"] = "1"
    start = time.perf_counter()
    subprocess.run([str(BIN / "lstm-course"), "grade", str(base / "submitted"), "--out", str(out),
                    "--workers", str(workers), "--quiet"] + ([] if sandbox else ["--no-sandbox"]),
                   check=True, capture_output=True, env=env)
    secs = time.perf_counter() - start
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    return secs, rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--assignment", default=demo_assignments()[0])
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        students = make_class(base, args.assignment, args.students)
        t_stock, stock, stock_graded = run_stock(base, args.assignment)
        t_ours, ours = run_ours(base, args.workers)
        t_plain, plain = run_ours(base, args.workers, sandbox=False)
        t_pool, pool = run_ours(base, args.workers, pool=True)
        n = len(students)
        print(f"class: {n} students x 1 notebook of {args.assignment} (demo class repeated); {os.cpu_count()} cores")
        print(f"stock nbgrader autograde + feedback:     {t_stock:7.1f} s  {t_stock / n:5.2f} s/notebook"
              f"  graded {len(stock_graded)}/{n} (the rest dropped, no record)")
        print(f"lstm-course grade --workers {args.workers}:         {t_ours:7.1f} s  {t_ours / n:5.2f} s/notebook"
              f"  rows {len(ours)}/{n}")
        print(f"lstm-course grade --no-sandbox:          {t_plain:7.1f} s  {t_plain / n:5.2f} s/notebook")
        print(f"lstm-course grade, kernel pool forced:   {t_pool:7.1f} s  {t_pool / n:5.2f} s/notebook")
        print(f"throughput ratio (stock time / ours):    {t_stock / t_ours:5.2f}x  (with the pool forced on: {t_stock / t_pool:4.2f}x)")
        print(f"sandbox overhead per notebook:           {(t_ours - t_plain) / n * args.workers:+5.2f} s "
              f"(wall difference x workers / notebooks)")
        same = all(ours[s]["auto_score"] == plain[s]["auto_score"] for s in students)
        print(f"sandbox vs no sandbox scores: {'identical' if same else 'DIFFER'}")
        same = all(ours[s]["auto_score"] == pool[s]["auto_score"] for s in students)
        print(f"kernel pool vs no pool scores: {'identical' if same else 'DIFFER'}")
        diffs = []
        for s in students:
            if s in stock_graded:
                a, b = stock.get(s, 0.0), float(ours[s]["auto_score"])
                if abs(a - b) > 1e-9:
                    diffs.append(f"  {s}: stock {a:g}, ours {b:g} ({ours[s]['status']})")
            else:
                diffs.append(f"  {s}: stock dropped it; ours recorded status '{ours[s]['status']}', score {ours[s]['score']}")
        print("score differences:" if diffs else "scores: identical for every student")
        print("\n".join(diffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
