"""The feedback pages of `lstm-course grade`, on a tiny class of 01_gates: written answers not
graded yet are pending (not 0), a dead kernel's page names the cell it was running, a page
loads nothing from the network (formulas are MathML), tracebacks show no folder of the grading
machine, and the run prints no SQLAlchemy warning.

    alice  the reference solution, written answers included (they wait for hand-given points)
    bob    sigmoid raises inside numpy (np.reshape): tracebacks with library frames
    carol  the second solution cell (tanh) calls os._exit(1): the kernel dies there
"""
from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from conftest import (A, BIN, NB, REPO, lstm_course, needs_sandbox, release_nb, solution_nb, with_solutions,
                      write_submission)
from autograder.nbgrader.cells import is_solution, nbgrader_meta

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("feedback_01_gates"), needs_sandbox]

PAGE = f"{A}.html"


def _written_ids() -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in solution_nb().cells
            if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]


def _solution_cells(nb) -> list:
    return [c for c in nb.cells if is_solution(c) and c.cell_type == "code"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("feedback")
    sub, out = base / "submitted", base / "out"
    write_submission(sub, "alice", with_solutions(release_nb()))

    bob = with_solutions(release_nb())
    sig = next(c for c in _solution_cells(bob) if nbgrader_meta(c)["grade_id"] == "sigmoid_code")
    sig.source = "import numpy as np\n\ndef sigmoid(x):\n    return np.reshape(np.asarray(x), (7, 13))\n"
    write_submission(sub, "bob", bob)

    carol = with_solutions(release_nb())
    _solution_cells(carol)[1].source += "\nimport os\nos._exit(1)\n"
    write_submission(sub, "carol", carol)

    proc = subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(out), "--workers", "2", "--quiet"],
                          cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    pages = {s: (out / "feedback" / s / A / PAGE).read_text() for s in rows}
    return dict(base=base, out=out, proc=proc, rows=rows, pages=pages)


def test_a_grade_run_prints_no_sqlalchemy_warning(graded):
    """nbgrader's add_submission used to make SQLAlchemy warn "Object of type
    <SubmittedAssignment> not in session" for every new submission of the merged gradebook."""
    err = graded["proc"].stderr
    assert "SAWarning" not in err and "not in session" not in err, err[-3000:]


def _heading(page: str, grade_id: str) -> str:
    """The panel heading of a graded cell: from its anchor to the end of its heading."""
    start = page.index(f'<a name="{grade_id}"></a>')
    return page[start:page.index("</div>", start)]


def test_written_answers_not_graded_yet_are_pending_not_zero(graded):
    page = graded["pages"]["alice"]
    written = _written_ids()
    assert written, "01_gates should have written answers"
    for gid in written:
        heading = _heading(page, gid)
        assert "pending (graded by hand)" in heading, heading
        assert "Score: 0.0" not in heading, heading
    toc = re.findall(r"Written response</a> \(Score: (.*?)\)</li>", page, re.S)
    assert len(toc) == len(written) and all("pending (graded by hand)" in t for t in toc), toc
    assert re.search(rf"Pending: {len(written)}(\.0)? point", page), "the page's total does not say what is pending"
    # the autograded tests keep their numbers
    assert "Score: 1.0 / 1.0" in _heading(page, "sigmoid_values")
    assert graded["rows"]["alice"]["needs_manual_grade"] == "True"


def test_a_dead_kernel_names_the_cell_it_was_running(graded):
    nb = release_nb()
    index = nb.cells.index(_solution_cells(nb)[1])
    grade_id = nbgrader_meta(nb.cells[index])["grade_id"]
    first = nb.cells[index].source.strip().splitlines()[0].strip()
    where = f"cell `{grade_id}` (cell {index + 1}: `{first} ...`)"
    row = graded["rows"]["carol"]
    assert row["status"] == "kernel died", row
    assert f"the kernel died while running {where}" in row["detail"], row["detail"]
    page = graded["pages"]["carol"]
    assert f"the kernel died while running {html.escape(where)}" in page, page
    assert "Restart your kernel" in page


class _Refs(HTMLParser):
    """Every URL a page loads to display itself (scripts, styles, images, frames, media)."""

    LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
             "video": "src", "audio": "src", "embed": "src", "object": "data"}

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.LOADS and attrs.get(self.LOADS[tag]):
            self.loads.append(attrs[self.LOADS[tag]])
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def _remote(url: str) -> bool:
    return url.strip().lower().startswith(("http:", "https:", "//"))


@pytest.mark.parametrize("student", ["alice", "bob"])
def test_pages_load_nothing_from_the_network(graded, student):
    page = graded["pages"][student]
    refs = _Refs()
    refs.feed(page)
    assert not [u for u in refs.loads if _remote(u)], [u for u in refs.loads if _remote(u)]
    imports = [u for css in refs.styles for u in re.findall(r"(?:url\(|@import)\s*['\"]?([^'\")\s]+)", css)]
    assert not [u for u in imports if _remote(u)], [u for u in imports if _remote(u)]
    assert not [s for s in refs.scripts + refs.loads if "mathjax" in s.lower()], "a page still loads MathJax"
    # the formulas are drawn by the browser (MathML), not left as LaTeX for a script
    assert page.count("<math") >= 30, page.count("<math")
    assert "\\frac{1}{1 + e^{-x}}" not in page, "the sigmoid's formula is still raw LaTeX"


def test_tracebacks_show_no_folder_of_the_grading_machine(graded):
    out = graded["out"]
    forbidden = [str(out), str(graded["base"]), str(REPO), "/work/", ".venv", "/tmp/", sys.prefix,
                 str(BIN.parent), "/home/student"]
    page = graded["pages"]["bob"]
    assert "cannot reshape array" in page, "bob's tracebacks are not in his page"
    # the library frames are still there, under a neutral name
    assert "&lt;site-packages&gt;/numpy/" in page or "<site-packages>/numpy/" in page
    autograded = nbformat.read(str(out / "autograded" / "bob" / A / NB), as_version=4)
    outputs = "\n".join(str(o) for c in autograded.cells for o in c.get("outputs", []) if o.get("output_type") != "display_data")
    for student, text in [*graded["pages"].items(), ("bob's autograded notebook", outputs)]:
        leaked = sorted({f for f in forbidden if f in text})
        assert not leaked, f"{student}: {leaked} in {_around(text, leaked[0])}"


def _around(text: str, needle: str, width: int = 150) -> str:
    i = text.find(needle)
    return repr(text[max(0, i - width): i + width])
