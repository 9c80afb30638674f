"""What the grader does to be fast gives the same results as what it replaces (seconds, no
grading): the feedback page's accessibility pass without BeautifulSoup, highlighting and
markdown rendered once per worker, nbgrader's metadata check with a compiled schema, and the
scratch gradebook of a worker."""
from __future__ import annotations

import os
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


def test_highlighting_is_cached_for_cells_with_metadata_and_still_reads_magics_language():
    """The templates pass each cell's metadata (nbgrader's, different per student); the cache
    keys on the one key the highlighting reads, so a cell with metadata is highlighted once,
    and a `magics_language` cell is still highlighted in that language, as nbconvert does."""
    source = "def tanh(x):\n    return np.tanh(x)\n"
    plain, cached = Highlight2HTML(pygments_lexer="ipython3"), CachedHighlight(pygments_lexer="ipython3")
    meta_a = {"nbgrader": {"grade_id": "tanh_code", "solution": True, "checksum": "a"}}
    meta_b = {"nbgrader": {"grade_id": "tanh_code", "solution": True, "checksum": "b"}}
    before = cached._cached.cache_info()
    assert cached(source, None, meta_a) == plain(source, None, meta_a)
    assert cached(source, None, meta_b) == plain(source, None, meta_b)
    after = cached._cached.cache_info()
    assert after.hits - before.hits >= 1, "the second student's copy of the cell was highlighted again"
    bash = {"magics_language": "bash"}
    assert cached("ls -la | wc -l", None, bash) == plain("ls -la | wc -l", None, bash)
    assert cached("ls -la | wc -l", None, bash) != cached("ls -la | wc -l", None, None)


def test_the_course_processes_skip_the_slow_iri_checker_and_still_validate_notebooks():
    """`import autograder` keeps jsonschema's optional IRI checker (a 2.4 s import) out of
    the process; notebooks validate as before, and a bad one is still refused."""
    import subprocess
    import sys
    code = ("import autograder, sys, nbformat\n"
            "nb = nbformat.read(sys.argv[1], as_version=4)\n"
            "nbformat.validate(nb)\n"
            "assert sys.modules.get('rfc3987_syntax') is None, 'the IRI checker was imported'\n"
            "nb.cells[0]['cell_type'] = 'no such type'\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('refused')\n")
    # -S: without the venv's start-up line (next test), as where the course is pip-installed
    import sysconfig
    path = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"]])
    out = subprocess.run([sys.executable, "-S", "-c", code, str(REPO / "solutions" / "01_gates" / "01_gates.ipynb")],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": path})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "refused"


def test_every_python_of_the_venv_skips_the_iri_checker():
    """`make setup` puts a start-up line in the venv, so that the processes the course does not
    start itself (nbgrader's commands, Jupyter servers, the hub's students' servers) skip it too."""
    import subprocess
    import sys
    code = "import sys, jsonschema, jupyter_events\nassert sys.modules.get('rfc3987_syntax', 0) is None, 'imported'\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"the venv's start-up line is missing (make setup writes it):\n{out.stderr[-1500:]}"


def test_gradebooks_of_one_url_share_an_engine_and_stay_correct(tmp_path):
    """After `share_engines`, nbgrader's Gradebooks of one database share one engine (its
    statement cache); each still works after another one closed (and disposed of the
    engine's connections), also while one is open; other databases get engines of their own."""
    from nbgrader.api import Gradebook
    from autograder.nbgrader.gradebook import share_engines
    share_engines()
    url, other = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    with Gradebook(url, "c") as g1:
        g1.add_student("ada")
        e1 = g1.engine
    g2 = Gradebook(url, "c")
    with Gradebook(url, "c") as g3:
        assert g3.engine is e1 is g2.engine
        g3.add_student("ben")
    # g3 closed (the engine's pool disposed of) while g2 was open: g2 goes on
    assert sorted(s.id for s in g2.students) == ["ada", "ben"]
    g2.add_student("cleo")
    g2.close()
    with Gradebook(other, "c") as g4:
        assert g4.engine is not e1 and g4.students == []
    with Gradebook(url, "c") as g5:
        assert sorted(s.id for s in g5.students) == ["ada", "ben", "cleo"]


def test_a_dead_kernel_is_looked_for_soon_then_as_seldom_as_nbclient_does(monkeypatch):
    """CourseExecute's liveness check: first after 50 ms, doubling up to nbclient's 1 s; on a
    death it cancels the wait for the reply, as nbclient does."""
    import asyncio
    from nbclient.exceptions import DeadKernelError
    from autograder.nbgrader.execute import CourseExecute

    slept = []

    async def fake_sleep(s):
        slept.append(s)

    async def check_alive():  # the kernel dies during the 7th wait
        if len(slept) == 7:
            raise DeadKernelError("Kernel died")

    ex = CourseExecute()
    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    monkeypatch.setattr(ex, "_async_check_alive", check_alive)

    async def run():
        ex.task_poll_for_reply = asyncio.get_running_loop().create_future()  # the wait for the reply
        await ex._async_poll_kernel_alive()
        return ex.task_poll_for_reply

    reply = asyncio.run(run())
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert reply.cancelled()


def test_the_kernel_client_uses_its_own_ready_check():
    """jupyter_client's AsyncKernelClient binds `wait_for_ready` to its base class's
    coroutine function, so a subclass's `_async_wait_for_ready` alone is never called (the
    base's waits for 0.2 s of IOPub silence per kernel): the course's client binds its own."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from autograder.sandbox.kernels import CourseKernelClient
    assert AsyncKernelClient.wait_for_ready is not CourseKernelClient._async_wait_for_ready
    assert CourseKernelClient.wait_for_ready is CourseKernelClient._async_wait_for_ready
    assert CourseKernelClient.wait_for_ready.__module__ == "autograder.sandbox.kernels"


def test_a_worker_waits_for_the_runs_template_and_says_when_it_never_comes(tmp_path):
    import threading
    from autograder.grading.process import WorkerSettings
    assert WorkerSettings(["01_gates"]).wait_for_template() is None
    path = tmp_path / "template.db"
    settings = WorkerSettings(["01_gates"], template_db=str(path))
    with pytest.raises(RuntimeError, match="did not appear in 0.2 s"):
        settings.wait_for_template(timeout=0.2)
    threading.Timer(0.3, path.write_bytes, args=(b"x",)).start()
    assert settings.wait_for_template(timeout=30) == path


def test_the_crosscheck_runs_only_where_it_could_flag_something():
    """Only a function whose in-kernel tests all pass can be flagged; where none did (a notebook
    stuck in a loop from its first answer on), no process runs the student's code again."""
    from autograder.grading.crosscheck import Reference, passed_in_kernel, review
    from autograder.nbgrader.cells import is_test, nbgrader_meta
    sol = nbformat.read(str(REPO / "solutions" / "02_rnn" / "02_rnn.ipynb"), as_version=4)
    ref = Reference.of("02_rnn", sol, seed=1)
    tests = [nbgrader_meta(c) for c in sol.cells if is_test(c)]
    cells = [{"notebook": "02_rnn", "grade_id": m["grade_id"], "score": m["points"], "max_score": m["points"]}
             for m in tests]
    functions = {c.function for c in ref.cases}
    assert passed_in_kernel(ref, cells, "02_rnn") == functions == {"rnn_step_forward", "rnn_forward", "rnn_backward"}
    failed = ref.tests["rnn_forward"]["hidden"][0]
    some = [dict(c, score=0) if c["grade_id"] == failed else c for c in cells]
    assert passed_in_kernel(ref, some, "02_rnn") == functions - {"rnn_forward"}
    assert review({f: "differs" for f in functions}, ref, some, "02_rnn") == [
        f"{f}: in-kernel tests pass but out of the kernel differs" for f in functions if f != "rnn_forward"]
    none = [dict(c, score=0) for c in cells]
    assert passed_in_kernel(ref, none, "02_rnn") == set()
