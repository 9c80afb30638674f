"""The student's feedback pages: the page of a notebook that could not be graded, and the
copy of every page (with what `nbgrader release_feedback` needs beside it) into OUT_DIR."""
from __future__ import annotations

import html
import shutil
from pathlib import Path

from .result import Result

# What `nbgrader release_feedback` reads beside the pages of a submission.
FEEDBACK_META = ("timestamp.txt", "submission_secret.txt")


def ungraded_page(assignment: str, nb: str, status: str, detail: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(nb)} — feedback</title></head>"
            f"<body><h1>{html.escape(assignment)} / {html.escape(nb)}.ipynb</h1>"
            f"<p><b>Status:</b> {html.escape(status)}</p><p>{html.escape(detail)}</p>"
            f"<p>Your submission was received and kept unchanged. Fix the problem above and submit "
            f"again, or ask your instructor.</p></body></html>")


def keep(out: Path, r: Result) -> Result:
    """Copy a result's feedback pages and autograded notebooks from the worker's course into
    OUT_DIR/feedback/ and OUT_DIR/autograded/ (nbgrader's layout, for the formgrader)."""
    for attr, folder, ext in [("feedback", "feedback", ".html"), ("autograded", "autograded", ".ipynb")]:
        kept = {}
        for nb, src in getattr(r, attr).items():
            dst = out / folder / r.student / r.assignment / f"{nb}{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            if Path(src).resolve() != dst.resolve():
                shutil.copyfile(src, dst)
                if attr == "feedback":
                    for meta in FEEDBACK_META:
                        if (Path(src).parent / meta).exists():
                            shutil.copyfile(Path(src).parent / meta, dst.parent / meta)
            kept[nb] = str(dst)
        setattr(r, attr, kept)
    return r
