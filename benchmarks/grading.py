"""Grading throughput: stock `nbgrader autograde` vs `lstm-course grade`, on the same class, in
one run.

    .venv/bin/python benchmarks/grading.py [--students 20] [--workers 2] [--assignment 01_gates ...]
        [--repeats 3] [--baseline before=/tmp/before/.venv/bin/lstm-course] [--no-variants]

Every variant (stock included) runs `--repeats` times, interleaved, in a rotating order; the
medians are compared. The per-phase breakdown comes from the last run's timings.csv.

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

from autograder.nbgrader.generate import generate_release  # noqa: E402
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
    shutil.rmtree(course, ignore_errors=True)  # a fresh course each run (its gradebook too)
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


def run_ours(base: Path, label: str, cli: list[str], workers: int, flags: list[str]) -> tuple[float, dict]:
    """One `lstm-course grade` run of the class (a fresh --out: the same one would resume,
    grading nobody); its wall time and grades.csv rows."""
    out = base / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    r = subprocess.run([*cli, "grade", str(base / "submitted"), "--out", str(out), "--workers", str(workers),
                        "--quiet", *flags], capture_output=True, text=True)
    secs = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{label}: lstm-course grade failed:\n{r.stderr[-2000:]}")
    return secs, {(r["student_id"], r["assignment"]): r for r in csv.DictReader(open(out / "grades.csv"))}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


def breakdown(timings: Path, n: int, wall: float, workers: int) -> None:
    """Where the time of the last `ours` run went: each phase's median and p95 per notebook,
    and the worker time per notebook (wall x workers / notebooks)."""
    if not timings.exists():
        return
    phases: dict[str, list[float]] = {}
    for row in csv.DictReader(open(timings)):
        phases.setdefault(row["phase"], []).append(float(row["seconds"]))
    print(f"per phase, last run of ours (seconds per notebook; worker time per notebook "
          f"{wall * workers / n:.2f} s):")
    for phase, xs in phases.items():
        print(f"  {phase:12s} median {statistics.median(xs):6.3f}   p95 {pct(xs, 0.95):6.3f}   total {sum(xs):7.1f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=20, help="students per assignment")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--assignment", nargs="+", default=demo_assignments()[:1])
    p.add_argument("--repeats", type=int, default=1,
                   help="grade R times with each variant, interleaved (the order rotates); medians are reported")
    p.add_argument("--baseline", metavar="[NAME=]CLI", action="append", default=[],
                   help="another checkout's lstm-course (e.g. before=/tmp/before/.venv/bin/lstm-course): graded "
                        "interleaved with this one, to measure a change before and after in one run (repeatable)")
    p.add_argument("--variants", nargs="+", default=["no-fork-server", "no-sandbox"],
                   choices=["no-fork-server", "no-sandbox"],
                   help="which variants of ours to time beside the default (default: both)")
    p.add_argument("--no-variants", action="store_true", help="time only the default beside stock (and the baseline)")
    p.add_argument("--stock-once", action="store_true",
                   help="run stock nbgrader in the first round only (it is the slowest by far; its time varies little)")
    args = p.parse_args()
    assignments = args.assignment
    ours = [str(BIN / "lstm-course")]
    variants = {"ours": (ours, [])}
    for v in ([] if args.no_variants else args.variants):
        variants[v.replace("-", " ")] = (ours, [f"--{v}"])
    baselines = []
    for i, b in enumerate(args.baseline):
        name, _, cli = b.rpartition("=")
        name = name or (f"baseline {i + 1}" if len(args.baseline) > 1 else "baseline")
        variants[name] = ([cli], [])
        baselines.append(name)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        jobs = [(s, a) for a in assignments for s in make_class(base, a, args.students)]
        n = len(jobs)
        times: dict[str, list[float]] = {v: [] for v in ["stock", *variants]}
        rows: dict[str, dict] = {}
        names = ["stock", *variants]
        for k in range(args.repeats):  # the order rotates: no variant always runs first (warm caches)
            for label in names[k % len(names):] + names[:k % len(names)]:
                if label == "stock" and args.stock_once and times["stock"]:
                    continue
                if label == "stock":
                    t, stock, stock_graded = run_stock(base, assignments)
                else:
                    cli, flags = variants[label]
                    t, rows[label] = run_ours(base, label.replace(" ", "-"), cli, args.workers, flags)
                times[label].append(t)
                print(f"  run {k + 1}/{args.repeats}: {label} {t:.1f} s", file=sys.stderr, flush=True)
        t_stock = statistics.median(times.pop("stock"))
        print(f"class: {args.students} students x {', '.join(assignments)} = {n} notebooks; {os.cpu_count()} cores; "
              f"--workers {args.workers}; median of {args.repeats} interleaved run(s) per variant")
        print(f"  {'stock nbgrader autograde + feedback':38s} {t_stock:7.1f} s  {t_stock / n:5.2f} s/notebook  "
              f"graded {len(stock_graded)}/{n} (the rest dropped, no record)")
        for label, ts in times.items():
            t = statistics.median(ts)
            runs = f"  ({', '.join(f'{x:.1f}' for x in ts)} s)" if len(ts) > 1 else ""
            print(f"  {'lstm-course grade, ' + label:38s} {t:7.1f} s  {t / n:5.2f} s/notebook  "
                  f"{t_stock / t:5.2f}x stock{runs}")
        for name in baselines:
            print(f"  ours / {name} wall time: {statistics.median(times['ours']) / statistics.median(times[name]):.3f}")
        breakdown(base / "out-ours" / "timings.csv", n, statistics.median(times["ours"]), args.workers)
        for label in variants:
            if label != "ours":
                same = all(rows["ours"][j]["auto_score"] == rows[label][j]["auto_score"]
                           and rows["ours"][j]["status"] == rows[label][j]["status"] for j in jobs)
                print(f"scores and statuses, ours vs {label}: {'identical' if same else 'DIFFER'}")
        diffs = []
        for s, a in jobs:
            row = rows["ours"][(s, a)]
            if (s, a) in stock_graded:
                mine = sum(float(rows["ours"][(s, x)]["auto_score"]) for x in assignments if (s, x) in rows["ours"])
                if abs(stock.get(s, 0.0) - mine) > 1e-9:
                    diffs.append(f"  {s} {a}: stock {stock.get(s, 0.0):g}, ours {mine:g} ({row['status']})")
            else:
                diffs.append(f"  {s} {a}: stock dropped it; ours recorded status '{row['status']}', score {row['score']}")
        print("differences from stock:" if diffs else "scores: identical to stock for every student")
        print("\n".join(diffs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
