"""What the grader does to be fast gives the same results as what it replaces (seconds, no
grading): the feedback page's accessibility pass without BeautifulSoup, highlighting and
markdown rendered once per worker, nbgrader's metadata check with a compiled schema, and the
scratch gradebook of a worker."""
from __future__ import annotations

import sqlite3

import jsonschema
import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.filters.highlight import Highlight2HTML

from conftest import REPO
from autograder.nbgrader import config as nbconfig
from autograder.nbgrader.autograde import CachedHighlight, FeedbackExporter, accessible


def _nbconvert_pass(page: str) -> str:
    """nbconvert's own accessibility pass (HTMLExporter.from_notebook_node)."""
    soup = BeautifulSoup(page, features="html.parser")
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = "No description has been provided for this image"
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        elem.attrs["tabindex"] = "0"
    for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"
    return str(soup)


def _marks(page: str) -> tuple:
    soup = BeautifulSoup(page, features="html.parser")
    imgs = [(img.get("src", "")[:40], img.get("alt")) for img in soup.find_all("img")]
    focus = [tuple(div.get("class", [])) for div in soup.find_all("div", tabindex="0")]
    return imgs, focus


def test_the_accessibility_pass_marks_what_nbconvert_marks():
    nb = nbformat.read(str(REPO / "solutions" / "01_gates" / "01_gates.ipynb"), as_version=4)
    nb.cells[3].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "x"})]
    nb.cells[3].cell_type = "code"
    nb.cells[3].execution_count = None
    exporter = FeedbackExporter()  # nbconvert's lab template: the markup nbconvert's pass looks for
    raw, _ = exporter.page(nb)
    ours, theirs = _marks(accessible(raw)), _marks(_nbconvert_pass(raw))
    assert ours == theirs
    assert ours[0] and all(alt for _, alt in ours[0]) and ours[1], "nothing was marked: the test would prove nothing"


def test_highlighting_once_gives_what_highlighting_each_time_gives():
    source = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))  # (B, H)\n"
    plain, cached = Highlight2HTML(pygments_lexer="ipython3"), CachedHighlight(pygments_lexer="ipython3")
    assert cached(source, "python") == plain(source, "python") == cached(source, "python")
    assert cached("x = 1", "python") != cached(source, "python")


def test_the_compiled_metadata_schema_accepts_and_rejects_what_jsonschema_does():
    schema = {"type": "object", "properties": {"grade": {"type": "boolean"}, "points": {"type": "number"}},
              "required": ["grade"], "additionalProperties": False}
    shim = nbconfig._CompiledSchemas()
    for good in [{"grade": True}, {"grade": False, "points": 2}]:
        jsonschema.validate(good, schema)
        shim.validate(good, schema)
    for bad in [{}, {"grade": "yes"}, {"grade": True, "points": "3"}, {"grade": True, "extra": 1}]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(jsonschema.ValidationError):
            shim.validate(bad, schema)
    import nbgrader.nbgraderformat.common as common
    nbconfig.use_compiled_metadata_schema()
    assert isinstance(common.jsonschema, nbconfig._CompiledSchemas)


def test_a_scratch_gradebook_skips_syncing_and_no_other_does(tmp_path):
    from sqlalchemy import create_engine, text
    from autograder.nbgrader.gradebook import scratch
    scratch(f"sqlite:///{tmp_path}/worker.db")
    for name, want in [("worker.db", 0), ("other.db", 2)]:  # synchronous: OFF=0, FULL=2 (sqlite's default)
        with create_engine(f"sqlite:///{tmp_path}/{name}").connect() as con:
            assert con.execute(text("PRAGMA synchronous")).scalar() == want, name
    assert sqlite3.connect(str(tmp_path / "worker.db")).execute("PRAGMA synchronous").fetchone()[0] == 2  # not global
