"""Grading throughput: stock `nbgrader autograde` vs `lstm-course grade`, on the same class, in
one run.

    .venv/bin/python benchmarks/grading.py [--students 20] [--workers 2] [--assignment 01_gates ...]

For an assignment with a demo class (autograder/demo/<assignment>.py) the class is that demo
class repeated until it has `--students` students; for the others, students alternate between
the reference solution and the untouched release (a full and an empty score). Stock nbgrader runs with a plain configuration (the course layout
only, none of the course's hardening) and grades serially, as it does. The scores of the
students both graders graded are compared; every difference is printed with its reason.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
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
    if assignment in demo_assignments():
        generate_release(demo / "release", [assignment])
        make_submissions(demo / "release", demo / "submitted", [assignment])
        sources = {name: demo / "submitted" / name / assignment for name in load_students(assignment)}
    else:
        sources = {"reference": REPO / "solutions" / assignment, "untouched": REPO / "notebooks" / assignment}
    names = sorted(sources)
    students = []
    for k in range(n):
        src = names[k % len(names)]
        student = f"{src}_{k:03d}"
        shutil.copytree(sources[src], base / "submitted" / student / assignment, dirs_exist_ok=True)
        students.append(student)
    return students


def stock_scores(course: Path, assignments: list[str]) -> dict[str, float]:
    """Autograded score per student (summed over `assignments`), read from stock nbgrader's
    gradebook with its own API."""
    from nbgrader.api import Gradebook
    scores: dict[str, float] = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db", "bench") as gb:
        for student in gb.students:
            for assignment in assignments:
                try:
                    sub = gb.find_submission(assignment, student.id)
                except Exception:
                    continue
                scores[student.id] = scores.get(student.id, 0.0) + sum(
                    g.auto_score or 0 for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code")
    return scores


def run_stock(base: Path, assignments: list[str]) -> tuple[float, dict[str, float], set[str]]:
    course = base / "stock"
    for assignment in assignments:
        shutil.copytree(REPO / "solutions" / assignment, course / "source" / assignment)
    shutil.copytree(base / "submitted", course / "submitted")
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'bench'\n")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "LSTM_COURSE_MODE": "grading", "MPLBACKEND": "Agg"}
    for assignment in assignments:
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course, env=env,
                       check=True, capture_output=True)
    start = time.perf_counter()
    for assignment in assignments:
        subprocess.run([str(BIN / "nbgrader"), "autograde", assignment, "--force"], cwd=course, env=env,
                       capture_output=True)
        # feedback too: `lstm-course grade` writes it for every student, so the comparison is fair
        subprocess.run([str(BIN / "nbgrader"), "generate_feedback", assignment, "--force"], cwd=course, env=env,
                       capture_output=True)
    secs = time.perf_counter() - start
    graded = {(p.parent.parent.name, p.parent.name) for p in (course / "autograded").glob("*/*/*.ipynb")}
    return secs, stock_scores(course, assignments), graded


def run_ours(base: Path, workers: int, sandbox: bool = True, fork: bool = True) -> tuple[float, dict[str, dict]]:
    """`fork`: kernels forked from each worker's fork server (the default); False starts each
    kernel as a fresh process (LSTM_COURSE_FORKSERVER=0)."""
    out = base / ("ours" if sandbox else "ours-nosandbox")
    out = out.with_name(out.name + ("" if fork else "-nofork"))
    env = {k: v for k, v in os.environ.items() if k not in ("LSTM_COURSE_PRESTART", "LSTM_COURSE_FORKSERVER")}
    if not fork:
        env["LSTM_COURSE_FORKSERVER"] = "0"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run: the same --out would resume, grading nobody
    start = time.perf_counter()
    subprocess.run([str(BIN / "lstm-course"), "grade", str(base / "submitted"), "--out", str(out),
                    "--workers", str(workers), "--quiet"] + ([] if sandbox else ["--no-sandbox"]),
                   check=True, capture_output=True, env=env)
    secs = time.perf_counter() - start
    rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(out / "grades.csv"))}
    return secs, rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=20, help="students per assignment")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--assignment", nargs="+", default=demo_assignments()[:1])
    p.add_argument("--repeats", type=int, default=1,
                   help="grade R times with and R times without the sandbox, interleaved; medians are reported "
                        "(the sandbox overhead is a small difference of two noisy times)")
    args = p.parse_args()
    assignments = args.assignment
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        jobs = [(s, a) for a in assignments for s in make_class(base, a, args.students)]
        t_stock, stock, stock_graded = run_stock(base, assignments)
        boxed_times, plain_times = [], []
        for k in range(args.repeats):  # alternating which goes first: no order bias (warm caches)
            for sandbox in ((True, False) if k % 2 == 0 else (False, True)):
                t, rows = run_ours(base, args.workers, sandbox=sandbox)
                if sandbox:
                    boxed_times.append(t)
                    ours = rows
                else:
                    plain_times.append(t)
                    plain = rows
        t_ours, t_plain = statistics.median(boxed_times), statistics.median(plain_times)
        t_nofork, nofork = run_ours(base, args.workers, fork=False)
        n = len(jobs)
        print(f"class: {args.students} students x {', '.join(assignments)} = {n} notebooks; {os.cpu_count()} cores"
              + (f"; ours: median of {args.repeats} interleaved runs with and without the sandbox "
                 f"({', '.join(f'{a:.1f}/{b:.1f}' for a, b in zip(boxed_times, plain_times))} s)" if args.repeats > 1 else ""))
        print(f"stock nbgrader autograde + feedback:     {t_stock:7.1f} s  {t_stock / n:5.2f} s/notebook"
              f"  graded {len(stock_graded)}/{n} (the rest dropped, no record)")
        print(f"lstm-course grade --workers {args.workers}:         {t_ours:7.1f} s  {t_ours / n:5.2f} s/notebook"
              f"  rows {len(ours)}/{n}")
        print(f"lstm-course grade --no-sandbox:          {t_plain:7.1f} s  {t_plain / n:5.2f} s/notebook")
        print(f"lstm-course grade, no fork server:       {t_nofork:7.1f} s  {t_nofork / n:5.2f} s/notebook")
        print(f"throughput ratio (stock time / ours):    {t_stock / t_ours:5.2f}x  (without the fork server: {t_stock / t_nofork:4.2f}x)")
        paired = statistics.median(a - b for a, b in zip(boxed_times, plain_times))
        print(f"sandbox overhead per notebook:           {paired / n * args.workers:+5.2f} s "
              f"(wall difference x workers / notebooks" + (", median of the paired runs)" if args.repeats > 1 else ")"))
        same = all(ours[j]["auto_score"] == plain[j]["auto_score"] for j in jobs)
        print(f"sandbox vs no sandbox scores: {'identical' if same else 'DIFFER'}")
        same = all(ours[j]["auto_score"] == nofork[j]["auto_score"] for j in jobs)
        print(f"fork server vs fresh kernels scores: {'identical' if same else 'DIFFER'}")
        diffs = []
        for s, a in jobs:
            row = ours[(s, a)]
            if (s, a) in stock_graded:
                mine = sum(float(ours[(s, x)]["auto_score"]) for x in assignments if (s, x) in ours)
                if abs(stock.get(s, 0.0) - mine) > 1e-9:
                    diffs.append(f"  {s} {a}: stock {stock.get(s, 0.0):g}, ours {mine:g} ({row['status']})")
            else:
                diffs.append(f"  {s} {a}: stock dropped it; ours recorded status '{row['status']}', score {row['score']}")
        print("score differences:" if diffs else "scores: identical for every student")
        print("\n".join(diffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
