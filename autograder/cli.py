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
    from .grading.intake import check_out, discover
    # argument errors first, before the heavy imports
    discover(Path(args.submitted), args.assignment, args.student)
    check_out(Path(args.out), Path(args.submitted), args.fresh)
    if args.no_sandbox:
        print("WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs with your permissions, "
              "can read your files and reach the network.", file=sys.stderr)
    from .grading.batch import grade
    start = time.perf_counter()
    run = grade(Path(args.submitted), Path(args.out), workers=args.workers, only=args.assignment,
                students=args.student, cell_timeout=args.cell_timeout, progress=not args.quiet, policy=_policy(args),
                db_url=args.db, dask=args.dask, fresh=args.fresh)
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
    bin_dir = Path(sys.executable).parent  # the venv's jupyter and nbgrader
    print(f"gradebook: {args.db or out / 'gradebook.db'} (nbgrader)")
    print(f"manual grading: cd {out} && {bin_dir / 'jupyter'} lab (add --allow-root as root), then "
          f"Nbgrader > Formgrader > Manual Grading; afterwards, in {out}: {bin_dir / 'nbgrader'} generate_feedback "
          f"--force ASSIGNMENT, then {bin_dir / 'nbgrader'} release_feedback ASSIGNMENT")
    return 0


def _cmd_run(args) -> int:
    from .course import check_assignments
    if not Path(args.root).is_dir():
        raise CourseError(f"folder not found: {args.root}")
    check_assignments(args.assignment, Path(args.root))  # argument errors first, before the heavy imports
    from .run import run
    results = run(Path(args.root), args.mode, Path(args.out), args.assignment, progress=not args.quiet)
    width = max(len(f"{r.assignment}/{r.notebook}") for r in results)
    for r in results:
        print(f"{r.assignment + '/' + r.notebook:<{width}}  {r.seconds:7.1f} s  {r.status}")
    print(f"summary: {Path(args.out) / 'summary.csv'}")
    return 0 if all(r.status == "ok" for r in results) else 1


def _cmd_validate(args) -> int:
    if not Path(args.notebook).is_file():
        raise CourseError(f"notebook not found: {args.notebook}")
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
    from .sandbox.policy import Policy, available
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    names = demo_assignments()
    print(f"building the release of {', '.join(names)} ...")
    generate_release(out / "release", names)
    make_submissions(out / "release", out / "submitted", names)
    why = available()
    if why:  # the demo class is the course's own code: safe to run without the sandbox
        print(f"note: grading the demo class without a sandbox: {why} "
              f"(real submissions need it: sudo apt-get install bubblewrap)")
    start = time.perf_counter()
    run = grade(out / "submitted", out / "graded", workers=args.workers, progress=not args.quiet,
                policy=Policy(sandbox=why is None))
    secs = time.perf_counter() - start
    print()
    print(format_table(run.rows))
    print(f"\ngraded {len(run.rows)} submissions in {secs:.1f} s")
    print(f"grades:   {out / 'graded' / 'grades.csv'}")
    print(f"feedback: {out / 'graded' / 'feedback'}/<student>/<assignment>/<notebook>.html")
    return 0


# ---- export: grades.csv -> an LMS's gradebook import CSV (autograder/lms/, standard library only) ----
def _cmd_export(args) -> int:
    from .lms import export
    outcome = export(Path(args.grades), args.to, Path(args.roster), Path(args.out), args.canvas_id)
    for line in outcome.reports:
        print(f"lstm-course: {line}", file=sys.stderr)
    print("\n".join(outcome.summary))
    return outcome.exit_status
# ---- end of export ----


# ---- hub: a classroom on JupyterHub (autograder/classroom/, docs/CLASSROOM.md) ----
def _cmd_hub(args) -> int:
    from .classroom.hub import run
    return run(Path(args.dir), port=args.port, instructor=args.instructor, students=args.students, ip=args.ip,
               setup_only=args.setup_only, serve=not args.no_serve)
# ---- end of hub ----


def _cmd_serve(args) -> int:
    from .course import check_assignments
    if args.status:
        from .service.status import report
        print(report(Path(args.out)))
        return 0
    if not args.exchange:
        raise CourseError("serve needs --exchange (nbgrader's exchange folder, as in c.Exchange.root)")
    if not Path(args.exchange).is_dir():
        raise CourseError(f"exchange folder not found: {args.exchange}")
    names = check_assignments(args.assignment)
    from .service.rules import from_options, with_course_settings
    rules = with_course_settings(from_options(args.deadline, args.late), Path(args.course_dir) if args.course_dir else None)
    if args.no_sandbox:
        print("WARNING: grading WITHOUT a sandbox (--no-sandbox): student code runs with your permissions, "
              "can read your files and reach the network.", file=sys.stderr)
    from .sandbox.policy import INSTALL_HINT, available
    if not args.no_sandbox and available():
        raise CourseError(f"{available()}. {INSTALL_HINT}")
    from .service.serve import ServeSettings, serve
    serve(ServeSettings(exchange=Path(args.exchange), out=Path(args.out), course=args.course, assignments=names,
                        workers=args.workers or 2, per_hour=args.per_hour, rules=rules, policy=_policy(args),
                        cell_timeout=args.cell_timeout, poll_s=args.poll, dask=args.dask, until_idle=args.until_idle,
                        owner_check=not args.no_owner_check, say=lambda text: print(text, flush=True)))
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
    g.add_argument("--student", action="extend", nargs="+", metavar="ID",
                   help="regrade only these students (one or more; repeatable); everyone else's earlier "
                        "results in OUT_DIR are kept")
    g.add_argument("--fresh", action="store_true",
                   help="OUT_DIR holds another run's grades: remove them (only what grade writes) and start anew")
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

    sv = sub.add_parser("serve", help="grade submissions as they arrive in nbgrader's exchange and release feedback",
                        description="Grade each submission as it arrives in nbgrader's exchange (EXCHANGE/COURSE/"
                                    "inbound, what `nbgrader submit` writes), with the same sandbox and workers as "
                                    "`grade`, and release the student's feedback at once (EXCHANGE/COURSE/feedback, "
                                    "what `nbgrader fetch_feedback` and the Assignment List read). Its queue is "
                                    "durable: stopped or killed at any moment and started again, it grades every "
                                    "submission once and loses none. Ctrl-C or SIGTERM stops it.")
    sv.add_argument("--exchange", metavar="DIR", help="nbgrader's exchange root (c.Exchange.root)")
    sv.add_argument("--out", required=True, metavar="OUT_DIR",
                    help="where grades.csv, feedback/, the gradebook and the service's queue (.service/) live")
    sv.add_argument("--course", default="lstm-course", metavar="ID", help="the course id (default lstm-course)")
    _assignment_option(sv, "grade only these assignments (default: all of the course)")
    sv.add_argument("--workers", type=positive_int, default=None, help="parallel graders (default 2)")
    sv.add_argument("--per-hour", type=positive_int, default=None, metavar="N",
                    help="grade at most N submissions per student and assignment in any hour; later ones wait "
                         "in the queue (never dropped), so the grader cannot serve as an oracle")
    sv.add_argument("--deadline", action="append", metavar="A=WHEN",
                    help="the deadline of an assignment, e.g. 01_gates=2026-12-10T23:59:00+01:00 (repeatable); "
                         "default: its due date in the course's gradebook (--course-dir)")
    sv.add_argument("--late", action="append", metavar="[A=]RULE",
                    help="what happens to a late submission: grade (marked late), zero (graded, scores 0) or "
                         "refuse (kept, not graded); default: nbgrader's LateSubmissionPlugin.penalty_method of "
                         "the course (none: grade, zero: zero)")
    sv.add_argument("--course-dir", metavar="DIR", help="the instructor's course folder (its nbgrader_config.py "
                    "and gradebook give due dates and the late penalty)")
    sv.add_argument("--cell-timeout", type=positive_int, default=CELL_TIMEOUT, metavar="S")
    sv.add_argument("--dask", metavar="ADDRESS", help="grade on a Dask cluster (scheduler address)")
    sv.add_argument("--no-sandbox", action="store_true", help="as for grade")
    sv.add_argument("--no-fork-server", action="store_true", help="as for grade")
    sv.add_argument("--no-owner-check", action="store_true",
                    help="grade a submission even when its folder does not belong to the Unix user it is named "
                         "after (by default it is set aside: `nbgrader submit --student OTHER` would submit as "
                         "someone else); only for exchanges where every submission is made by one account")
    sv.add_argument("--poll", type=float, default=1.0, metavar="S", help="seconds between looks at the inbound folder")
    sv.add_argument("--until-idle", action="store_true",
                    help="stop once every submission found has been graded and released (for scripts and tests)")
    sv.add_argument("--status", action="store_true", help="print the state of every submission seen, and exit")
    sv.set_defaults(func=_cmd_serve)

    # ---- export: grades.csv -> an LMS's gradebook import CSV (autograder/lms/) ----
    e = sub.add_parser("export", help="write a grading run's totals as a gradebook CSV that Canvas or Moodle imports")
    e.add_argument("grades", metavar="GRADES_DIR", help="the --out folder of `lstm-course grade`")
    e.add_argument("--to", required=True, metavar="{canvas,moodle}", help="the LMS whose import layout to write")
    e.add_argument("--roster", required=True, metavar="ROSTER.csv",
                   help="student_id,lms_id[,name,section,sis_user_id,sis_login_id,email] (UTF-8 CSV)")
    e.add_argument("--out", required=True, metavar="FILE.csv", help="the file to write (not inside GRADES_DIR)")
    e.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=ID",
                   help="Canvas assignment id of an assignment column (repeatable; default: Canvas matches by title)")
    e.set_defaults(func=_cmd_export)
    # ---- end of export ----

    # ---- hub: a classroom on JupyterHub (autograder/classroom/, docs/CLASSROOM.md) ----
    from .classroom.layout import DEFAULT_DIR, DEFAULT_INSTRUCTOR, DEFAULT_PORT, DEFAULT_STUDENTS
    h = sub.add_parser("hub", help="start a classroom on this machine: JupyterHub, an instructor and demo students "
                                   "(Unix users), nbgrader's exchange; as root")
    h.add_argument("--port", type=positive_int, default=DEFAULT_PORT, help=f"the port users open (default {DEFAULT_PORT})")
    h.add_argument("--ip", default="127.0.0.1", help="the address it listens on (default 127.0.0.1: this machine only)")
    h.add_argument("--dir", default=str(DEFAULT_DIR), metavar="D",
                   help="the classroom folder: hub state, exchange, course folder (default: classroom/ here)")
    h.add_argument("--instructor", default=DEFAULT_INSTRUCTOR, metavar="USER",
                   help=f"the instructor's Unix user (default {DEFAULT_INSTRUCTOR}; created if missing)")
    h.add_argument("--students", nargs="+", default=list(DEFAULT_STUDENTS), metavar="USER",
                   help=f"the students' Unix users (default {' '.join(DEFAULT_STUDENTS)}; created if missing)")
    h.add_argument("--setup-only", action="store_true",
                   help="set the classroom up (users, folders, settings), print the logins and exit")
    h.add_argument("--no-serve", action="store_true",
                   help="do not start the grading service (`lstm-course serve` on the classroom's exchange, which "
                        "grades each submission as it arrives and releases its feedback at once)")
    h.set_defaults(func=_cmd_hub)
    # ---- end of hub ----
    return p


def main(argv: list[str] | None = None) -> int:
    from . import lifecycle
    try:
        lifecycle.install()
        args = parser().parse_args(argv)
        return args.func(args)
    except CourseError as exc:
        print(f"lstm-course: error: {exc}", file=sys.stderr)
        return 2
    except lifecycle.Interrupted as exc:
        print(exc.message if exc.message != "interrupted" else "lstm-course: interrupted", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lstm-course: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
