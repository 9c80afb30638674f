"""nbgrader preprocessors that close nbgrader's traps (docs/ARCHITECTURE.md lists them).

- `StripTags` (sanitize step): drops every cell's tags from a submission, so a student cannot
  add `skip-execution` (or any tag nbclient honours) to a locked test cell.
- `StderrToStdout` (autograde step, instead of `IgnorePattern`): nbgrader scores a test cell 0
  when it wrote anything to stderr, so a correct answer that triggers a numpy RuntimeWarning
  would lose its points. Tests here fail only by raising; stderr is kept visible (prefixed)
  but moved to stdout so it no longer counts as a failure.
- `HideHiddenTests` (feedback step): removes the hidden-test regions from the feedback and
  shortens the traceback of a failing hidden test to its error message (nbgrader#1363).
- `CourseGetGrades` (feedback step, instead of nbgrader's `GetGrades`): a written answer not
  graded by hand yet gets no score (None), which the course's feedback template shows as
  pending; nbgrader's gives it 0 (its `Grade.score` is 0 when no score was given), so the page
  said "Score: 0.0 / 1.0" for an answer nobody had read yet.
- `ScrubPaths` (feedback step; `CourseExecute` does the same to the autograded notebook):
  tracebacks and warnings name files by absolute path, which shows the grading machine's
  folders (the worker's course under OUT_DIR, the venv, the sandbox's working folder).
  `scrub_paths` rewrites them to neutral names: `<site-packages>/numpy/...`, `<python>/...`,
  `lstmlib/testing.py`, `<your folder>/...`, `<your notebook>`.
"""
from __future__ import annotations

import functools
import os
import re
import site
import sys
import sysconfig

from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Unicode

from ..course import REPO
from ..sandbox.policy import HOME as SANDBOX_HOME

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"


class StripTags(NbGraderPreprocessor):
    """Remove all cell tags from a submitted notebook before it is executed."""

    def preprocess_cell(self, cell, resources, index):
        cell.metadata.pop("tags", None)
        return cell, resources


class StderrToStdout(NbGraderPreprocessor):
    """Turn stderr stream outputs into stdout ones so they do not zero a test cell."""

    prefix = Unicode("[stderr] ", help="Prefix for each moved stderr block").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
                    output["text"] = self.prefix + output.get("text", "")
        return cell, resources


def strip_hidden_region(source: str, placeholder: str = "# (hidden tests)") -> tuple[str, bool]:
    """Return `source` with every hidden-test region replaced by one placeholder line."""
    out, hidden, removed = [], False, False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden, removed = True, True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + placeholder)
            continue
        if END_HIDDEN in line:
            hidden = False
            continue
        if not hidden:
            out.append(line)
    return "\n".join(out), removed


class HideHiddenTests(NbGraderPreprocessor):
    """Keep hidden tests out of the feedback: their code and their traceback frames."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell):
            return cell, resources
        cell.source, removed = strip_hidden_region(cell.source)
        if removed:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    # the frames would show the hidden code; the message is what helps
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def pending(grade) -> bool:
    """Whether a gradebook Grade waits for points given by hand: a written answer (a markdown
    cell) or a cell nbgrader could not score (no auto score), with no manual score yet. The
    rule of cells.csv (an empty score) and of grades.csv's `needs_manual_grade`."""
    if grade.manual_score is not None:
        return False
    return grade.auto_score is None or getattr(grade.cell, "cell_type", None) == "markdown"


class CourseGetGrades(GetGrades):
    """nbgrader's GetGrades, but a score still to be given by hand is None (pending), not 0."""

    def _get_score(self, cell, resources):
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["score"] = None if pending(grade) else grade.score
        cell.metadata.nbgrader["points"] = grade.max_score


# -- grader paths out of what students see --------------------------------------------------

@functools.lru_cache(maxsize=None)
def _known_prefixes() -> tuple[tuple[str, str], ...]:
    """(absolute folder, neutral name) of the folders of this machine a traceback may name,
    longest first (a venv lies inside the course folder, site-packages inside the venv)."""
    pairs: dict[str, str] = {}

    def add(path, name: str) -> None:
        if path:
            for p in {str(path), os.path.realpath(path)}:
                p = p.rstrip("/")
                if len(p) > 1 and p not in pairs:
                    pairs[p] = name

    paths = sysconfig.get_paths()
    for sp in [paths.get("purelib"), paths.get("platlib"), *site.getsitepackages(), site.getusersitepackages()]:
        add(sp, "<site-packages>")
    for lib in [paths.get("stdlib"), paths.get("platstdlib")]:
        add(lib, "<python>")
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        add(prefix, "<python>")
    add(REPO, "")  # the course's own files: lstmlib/testing.py
    add(f"{SANDBOX_HOME}/work", "<your folder>")
    add(SANDBOX_HOME, "~")
    add(os.path.expanduser("~"), "~")
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


# A cell's code, as ipykernel names it in warnings: /tmp/ipykernel_<pid>/<hash>.py
_KERNEL_CELL = re.compile(r"/(?:tmp|var/tmp)/ipykernel_\d+/\w+\.py")
# Any other path in a temporary folder: keep its last part only.
_TMP_PATH = re.compile(r"(?<![\w.<>-])/(?:tmp|var/tmp|private/tmp|dev/shm)/(?:[^\s/'\"<>:,()\x1b]+/)*")


def scrub_paths(text: str, folders: dict[str, str] | None = None) -> str:
    """`text` with the grading machine's absolute paths rewritten to neutral names.

    `folders`: more folders to rewrite, {absolute path: name} (the notebook's own folder, the
    worker's course folder); the known ones are the Python installation (`<python>`), its
    site-packages (`<site-packages>`), the course (dropped: `lstmlib/testing.py`), the
    sandbox's working folder (`<your folder>`) and HOME (`~`); any other path in /tmp keeps
    only its file name."""
    if not text or "/" not in text:
        return text
    extra = [(str(k).rstrip("/"), v) for k, v in (folders or {}).items() if k and len(str(k).rstrip("/")) > 1]
    for prefix, name in sorted(extra, key=lambda kv: -len(kv[0])) + list(_known_prefixes()):
        if prefix in text:
            text = re.sub(re.escape(prefix) + _PATH_END, functools.partial(_rename, name), text)
    text = _KERNEL_CELL.sub("<your notebook>", text)
    return _TMP_PATH.sub("<tmp>/", text)


# where a folder's name ends in a path: a slash, or the end of the path (not /work/mainframe)
_PATH_END = r"(/|(?=[\s'\":,;)\]>\x1b]|$))"


def _rename(name: str, m: re.Match) -> str:
    if name:
        return name + m.group(1)
    return "" if m.group(1) == "/" else "<course>"  # the course's own files: lstmlib/testing.py


def scrub_outputs(cell, folders: dict[str, str] | None = None) -> None:
    """Rewrite the grader's paths in a code cell's outputs: tracebacks, error messages,
    streams, and text/plain and text/html results (images are left alone)."""
    for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
        kind = out.get("output_type")
        if kind == "error":
            out["evalue"] = scrub_paths(out.get("evalue", ""), folders)
            out["traceback"] = [scrub_paths(t, folders) for t in out.get("traceback", [])]
        elif kind == "stream":
            out["text"] = scrub_paths(out.get("text", ""), folders)
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            for mime in ("text/plain", "text/html"):
                if isinstance(data.get(mime), str):
                    data[mime] = scrub_paths(data[mime], folders)


class ScrubPaths(NbGraderPreprocessor):
    """Keep the grading machine's folders out of the feedback (see `scrub_paths`)."""

    def preprocess(self, nb, resources):
        folder = (resources.get("metadata") or {}).get("path")
        self._folders = {folder: "<your folder>"} if folder else {}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        scrub_outputs(cell, getattr(self, "_folders", None))
        return cell, resources
