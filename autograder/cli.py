"""`lstm-course`: the course's one command-line entry point (docs/CLI.md).

Thin: it parses and checks the arguments with light modules only, then calls the command's
module (release/, grading/, run.py, demo/), which does the heavy imports.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .course import CourseError


def _cmd_build(args) -> int:
    from .release.build import build, out_of_date
    if args.check:
        problems = out_of_date()
        if problems:
            print("notebooks/ is out of date with solutions/ (run `lstm-course build`):", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            return 1
        print("notebooks/ is in sync with solutions/")
        return 0
    names = build(names=[*args.names, *(args.assignment or [])] or None)
    print(f"built the release of {len(names)} assignment(s) into notebooks/: {', '.join(names)}")
    return 0


def _policy(args):
    from .sandbox.policy import Policy
    return Policy(sandbox=not args.no_sandbox, fork_server=not args.no_fork_server)


def _cmd_grade(args) -> int:
    from .grading.intake import discover
    discover(Path(args.submitted), args.assignment)  # argument errors first, before the heavy imports
    from .grading.batch import grade
    start = time.perf_counter()
    run = grade(Path(args.submitted), Path(args.out), workers=args.workers, only=args.assignment,
                cell_timeout=args.cell_timeout, progress=not args.quiet, policy=_policy(args),
                db_url=args.db, dask=args.dask)
    secs = time.perf_counter() - start
    bad = [r for r in run.rows if r["status"] != "graded"]
    out = Path(args.out)
    print(f"graded {run.graded} submission(s) in {secs:.1f} s" + (f", kept {run.resumed} from the earlier run"
                                                                    if run.resumed else "")
          + f"; {len(bad)} of {len(run.rows)} not fully graded (see the status column)")
    print(f"grades:   {out / 'grades.csv'}")
    print(f"cells:    {out / 'cells.csv'}")
    print(f"feedback: {out / 'feedback'}/<student>/<assignment>/<notebook>.html")
    print(f"summary:  {out / 'summary'}/<assignment>.md (mean, median, histogram, most failed tests); "
          f"nbgrader export: {out / 'export.csv'}")
    print(f"gradebook: {args.db or out / 'gradebook.db'} (nbgrader; `nbgrader formgrader` in {args.out} for manual grading)")
    return 0


def _cmd_run(args) -> int:
    from .run import run
    results = run(Path(args.root), args.mode, Path(args.out), args.assignment, progress=not args.quiet)
    width = max(len(f"{r.assignment}/{r.notebook}") for r in results)
    for r in results:
        print(f"{r.assignment + '/' + r.notebook:<{width}}  {r.seconds:7.1f} s  {r.status}")
    print(f"summary: {Path(args.out) / 'summary.csv'}")
    return 0 if all(r.status == "ok" for r in results) else 1


def _cmd_validate(args) -> int:
    from .run import format_report, validate
    exercises = validate(Path(args.notebook), mode=args.mode)
    print(format_report(Path(args.notebook), exercises))
    return 0 if all(not e.failed for e in exercises) else 1


def _cmd_bundle(args) -> int:
    from .release.bundle import bundle
    names = bundle(Path(args.out))
    n_nb = sum(n.endswith(".ipynb") for n in names)
    print(f"wrote {args.out}: {n_nb} notebooks, lstmlib, datasets, environment.yml, README ({len(names)} files)")
    return 0


def _cmd_demo(args) -> int:
    import shutil
    from .demo import demo_assignments, make_submissions
    from .grading.batch import grade
    from .nbgrader.generate import generate_release
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    names = demo_assignments()
    print(f"building the release of {', '.join(names)} ...")
    generate_release(out / "release", names)
    make_submissions(out / "release", out / "submitted", names)
    start = time.perf_counter()
    run = grade(out / "submitted", out / "graded", workers=args.workers, progress=not args.quiet)
    secs = time.perf_counter() - start
    print()
    print(format_table(run.rows))
    print(f"\ngraded {len(run.rows)} submissions in {secs:.1f} s")
    print(f"grades:   {out / 'graded' / 'grades.csv'}")
    print(f"feedback: {out / 'graded' / 'feedback'}/<student>/<assignment>/<notebook>.html")
    return 0


def format_table(rows: list[dict]) -> str:
    head = ["student", "assignment", "score", "max", "status"]
    data = [[r["student_id"], r["assignment"], str(r["score"]), str(r["max_score"]),
             r["status"] + (f" ({float(r['max_score']) - float(r['auto_max_score']):g} manual points to grade)"
                            if str(r["needs_manual_grade"]) == "True" else "")] for r in rows]
    widths = [max(len(h), *(len(d[i]) for d in data)) for i, h in enumerate(head)]
    line = lambda xs: "  ".join(x.ljust(w) if i in (0, 1, 4) else x.rjust(w) for i, (x, w) in enumerate(zip(xs, widths)))
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, data)])


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _assignment_option(p: argparse.ArgumentParser, help: str) -> None:
    """--assignment A [B ...], repeatable: `--assignment A B` and `--assignment A --assignment B` are the same."""
    p.add_argument("--assignment", action="extend", nargs="+", metavar="A", help=help + " (one or more; repeatable)")


def parser() -> argparse.ArgumentParser:
    from .course import CELL_TIMEOUT
    p = argparse.ArgumentParser(prog="lstm-course", description="Build, run and grade the LSTM course.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="regenerate notebooks/ (the student release) from solutions/")
    b.add_argument("--check", action="store_true", help="exit non-zero, naming files, when notebooks/ is out of date")
    b.add_argument("names", nargs="*", metavar="ASSIGNMENT", help="only regenerate these assignments")
    _assignment_option(b, "only regenerate these assignments (default: all; --check always checks all)")
    b.set_defaults(func=_cmd_build)

    g = sub.add_parser("grade", help="grade SUBMITTED_DIR/<student>/<assignment>/<notebook>.ipynb")
    g.add_argument("submitted", metavar="SUBMITTED_DIR")
    g.add_argument("--out", required=True, metavar="OUT_DIR")
    g.add_argument("--workers", type=positive_int, default=None, help="parallel graders (default: number of cores)")
    _assignment_option(g, "grade only these assignments")
    g.add_argument("--cell-timeout", type=positive_int, default=CELL_TIMEOUT, metavar="S",
                   help=f"seconds per cell (default {CELL_TIMEOUT})")
    g.add_argument("--db", metavar="URL", help="the gradebook (an SQLAlchemy URL, e.g. postgresql://user@host/course); "
                   "default: sqlite OUT_DIR/gradebook.db")
    g.add_argument("--dask", metavar="ADDRESS", help="grade on a Dask cluster (scheduler address, e.g. "
                   "tcp://10.0.0.5:8786); each Dask worker needs this course installed")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap, as plain processes (only where it cannot run; "
                        "a warning is printed)")
    g.add_argument("--no-fork-server", action="store_true",
                   help="start each sandboxed kernel as a bubblewrap process of its own instead of forking it "
                        "from a warm fork server (slower: ~2 s of CPU per notebook; for comparison)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_grade)

    r = sub.add_parser("run", help="execute notebooks top to bottom and collect reported results")
    r.add_argument("root", metavar="SOLUTIONS_OR_NOTEBOOKS_DIR")
    r.add_argument("--mode", choices=["full", "ci"], default="full")
    r.add_argument("--out", required=True, metavar="OUT_DIR")
    _assignment_option(r, "run only these assignments")
    r.add_argument("--quiet", action="store_true")
    r.set_defaults(func=_cmd_run)

    v = sub.add_parser("validate", help="run a notebook's visible tests and report per exercise")
    v.add_argument("notebook", metavar="NOTEBOOK")
    v.add_argument("--mode", choices=["full", "ci"], default="ci",
                   help="run mode for the training cells (default ci: seconds; full: the stated results)")
    v.set_defaults(func=_cmd_validate)

    bu = sub.add_parser("bundle", help="zip the student release, lstmlib, datasets and set-up files (no solutions)")
    bu.add_argument("--out", required=True, metavar="FILE.zip")
    bu.set_defaults(func=_cmd_bundle)

    d = sub.add_parser("demo", help="build the release and grade the embedded demo class")
    d.add_argument("--out", default="demo-out", metavar="DIR")
    d.add_argument("--workers", type=positive_int, default=None)
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except CourseError as exc:
        print(f"lstm-course: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lstm-course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
