"""The student's feedback pages: the page of a notebook that could not be graded, the cell a
dead kernel was running, and the copy of every page (with what `nbgrader release_feedback`
needs beside it) into OUT_DIR."""
from __future__ import annotations

import html
import shutil
from pathlib import Path

from ..nbgrader.preprocessors import scrub_paths
from .result import Result
from .status import Problem, Status

# What `nbgrader release_feedback` reads beside the pages of a submission.
FEEDBACK_META = ("timestamp.txt", "submission_secret.txt")

KERNEL_DIED_HINT = ("Restart your kernel and run all cells: that cell must finish without stopping Python "
                    "(no os._exit or sys.exit, no crash, no runaway memory use).")


def ungraded_page(assignment: str, nb: str, status: str, detail: str, folders: dict[str, str] | None = None) -> str:
    """The page of a notebook that could not be graded: its status and why (the grader's
    folders in `detail` rewritten, see `scrub_paths`; `folders` adds more, {path: name})."""
    hint = f"<p>{html.escape(KERNEL_DIED_HINT)}</p>" if status == Status.KERNEL_DIED.value else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(nb)} — feedback</title></head>"
            f"<body><h1>{html.escape(assignment)} / {html.escape(nb)}.ipynb</h1>"
            f"<p><b>Status:</b> {html.escape(status)}</p><p>{html.escape(scrub_paths(detail, folders))}</p>{hint}"
            f"<p>Your submission was received and kept unchanged. Fix the problem above and submit "
            f"again, or ask your instructor.</p></body></html>")


def dead_kernel_detail(nb: str, cell: str) -> str:
    return (f"{nb}.ipynb: the kernel died while running {cell} (os._exit, a crash or out of memory); "
            f"nothing could be graded")


def name_dead_cells(problems: dict[str, Problem], dead_cells: dict[str, str], detail: str) -> str:
    """Name the cell that was running in each notebook whose kernel died (`dead_cells`:
    {notebook: the cell, as `nbgrader.execute.describe_cell` says it}, from the autograde):
    the notebook's Problem is replaced in `problems`, and the row's `detail` is returned
    with the same change."""
    for nb, cell in (dead_cells or {}).items():
        old = problems.get(nb)
        if old is None or old.status != Status.KERNEL_DIED or not cell:
            continue
        problems[nb] = Problem(Status.KERNEL_DIED, dead_kernel_detail(nb, cell))
        detail = detail.replace(old.detail, problems[nb].detail) if old.detail in detail \
            else "; ".join(filter(None, [detail, problems[nb].detail]))
    return detail


def keep(out: Path, r: Result) -> Result:
    """Copy a result's feedback pages and autograded notebooks from the worker's course into
    OUT_DIR/feedback/ and OUT_DIR/autograded/ (nbgrader's layout, for the formgrader), each
    with the submission's timestamp and secret beside it: `nbgrader release_feedback` reads
    them beside the pages, and `nbgrader generate_feedback` run in OUT_DIR (after grading by
    hand) copies them from autograded/ to the pages it writes anew."""
    for attr, folder, ext in [("feedback", "feedback", ".html"), ("autograded", "autograded", ".ipynb")]:
        kept = {}
        for nb, src in getattr(r, attr).items():
            dst = out / folder / r.student / r.assignment / f"{nb}{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            if Path(src).resolve() != dst.resolve():
                shutil.copyfile(src, dst)
                for meta in FEEDBACK_META:
                    if (Path(src).parent / meta).exists():
                        shutil.copyfile(Path(src).parent / meta, dst.parent / meta)
            kept[nb] = str(dst)
        setattr(r, attr, kept)
    return r
