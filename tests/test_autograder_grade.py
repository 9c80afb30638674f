"""`lstm-course grade` on a class built from the real release of 01_gates: perfect, blank,
wrong, crashing, broken and tampered submissions, each graded as a careful human would, none
lost, none modified, and no hidden test shown in the feedback."""
from __future__ import annotations

import csv
import hashlib
import html
import json
import shutil
import subprocess

import nbformat
import pytest

from conftest import (A, NB, REPO, first_solution_cell, lstm_course, release_nb, solution_nb, with_solutions,
                      write_submission)
from autograder.authoring.mutants import load_mutants, mutate
from autograder.nbgrader.cells import is_solution, is_test, nbgrader_meta
from autograder.nbgrader.preprocessors import BEGIN_HIDDEN, END_HIDDEN

pytestmark = pytest.mark.xdist_group("grade_01_gates")
slow = pytest.mark.slow  # these grade a class with nbgrader
def _tree_hash(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    sub = base / "submitted"
    write_submission(sub, "perfect", with_solutions(release_nb()))
    write_submission(sub, "blank", release_nb())

    mutant = load_mutants(A)[0]  # a real student mistake, in an otherwise perfect notebook
    wrong = with_solutions(release_nb())
    mutated = {nbgrader_meta(c).get("grade_id"): c.source for c in mutate(solution_nb(), mutant) if is_solution(c)}
    for c in wrong.cells:
        if is_solution(c):
            c.source = mutated[nbgrader_meta(c)["grade_id"]]
    write_submission(sub, "wrong", wrong)

    crash = with_solutions(release_nb())
    first_solution_cell(crash).source += "\nimport os\nos._exit(1)\n"
    write_submission(sub, "crash", crash)

    write_submission(sub, "badjson", raw=b'{"cells": [ this is not json')
    write_submission(sub, "notutf8", raw=b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "\xff\xfe"}')
    (sub / "missing" / A).mkdir(parents=True)

    skip = release_nb()  # blank answers, but the test cells tagged to be skipped
    for c in skip.cells:
        if is_test(c):
            c.metadata["tags"] = ["skip-execution"]
    write_submission(sub, "skiptags", skip)

    deleted = release_nb()  # blank answers, every test cell deleted
    deleted.cells = [c for c in deleted.cells if not is_test(c)]
    write_submission(sub, "deleted_tests", deleted)

    noisy = with_solutions(release_nb())  # correct, but chatty on stderr with warnings
    first_solution_cell(noisy).source += (
        "\nimport sys as _sys, warnings as _w\n_w.warn('student debug warning')\n"
        "print('debugging to stderr', file=_sys.stderr)\n")
    write_submission(sub, "noisy", noisy)

    before = _tree_hash(sub)
    out = subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(base / "out"), "--workers", "2"],
                         cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(base / "out" / "grades.csv"))}
    cells = list(csv.DictReader(open(base / "out" / "cells.csv")))
    return dict(base=base, sub=sub, out=base / "out", rows=rows, cells=cells, before=before, proc=out)


@slow
def test_every_submission_has_a_row(klass):
    students = sorted(p.name for p in klass["sub"].iterdir())
    assert sorted(klass["rows"]) == students
    for r in klass["rows"].values():
        assert r["assignment"] == A and r["max_score"] and r["status"]


@slow
def test_submissions_are_never_modified(klass):
    assert _tree_hash(klass["sub"]) == klass["before"]


@slow
def test_perfect_gets_full_marks_blank_gets_zero(klass):
    perfect, blank = klass["rows"]["perfect"], klass["rows"]["blank"]
    assert perfect["status"] == "graded" and float(perfect["auto_score"]) == float(perfect["auto_max_score"]) > 0
    assert blank["status"] == "graded" and float(blank["score"]) == 0


@slow
def test_a_real_mistake_loses_some_points_not_all(klass):
    wrong = klass["rows"]["wrong"]
    assert 0 < float(wrong["auto_score"]) < float(wrong["auto_max_score"])


@slow
def test_crashing_kernel_gets_a_row_with_the_reason(klass):
    r = klass["rows"]["crash"]
    assert r["status"] == "kernel died" and float(r["score"]) == 0 and "kernel died" in r["detail"]


@slow
@pytest.mark.parametrize("student", ["badjson", "notutf8"])
def test_broken_notebook_gets_zero_with_reason(klass, student):
    r = klass["rows"][student]
    assert r["status"] == "invalid notebook" and float(r["score"]) == 0 and NB in r["detail"]


@slow
def test_missing_notebook(klass):
    r = klass["rows"]["missing"]
    assert r["status"] == "missing notebook" and float(r["score"]) == 0


@slow
def test_tags_and_deleted_cells_cannot_skip_tests(klass):
    for student in ["skiptags", "deleted_tests"]:
        r = klass["rows"][student]
        assert r["status"] == "graded" and float(r["score"]) == 0, r
    restored = [c for c in klass["cells"] if c["student_id"] == "deleted_tests" and c["kind"] == "auto"]
    assert len(restored) == len([c for c in klass["cells"] if c["student_id"] == "perfect" and c["kind"] == "auto"])


@slow
def test_warnings_and_stderr_do_not_cost_points(klass):
    r = klass["rows"]["noisy"]
    assert float(r["auto_score"]) == float(r["auto_max_score"]), r


@slow
def test_cells_csv_adds_up_to_grades_csv(klass):
    for student, row in klass["rows"].items():
        cells = [c for c in klass["cells"] if c["student_id"] == student]
        assert cells, student
        assert sum(float(c["max_score"]) for c in cells) == pytest.approx(float(row["max_score"]))
        assert sum(float(c["score"] or 0) for c in cells) == pytest.approx(float(row["score"]))


@slow
def test_feedback_for_everyone_without_hidden_tests(klass):
    hidden_lines = set()
    for c in solution_nb().cells:
        if is_test(c) and BEGIN_HIDDEN in c.source:
            inside = c.source.split(BEGIN_HIDDEN, 1)[1].split(END_HIDDEN, 1)[0]
            hidden_lines |= {ln.strip() for ln in inside.splitlines() if len(ln.strip()) > 30 and not ln.strip().startswith("#")}
    release_text = "\n".join(c.source for c in release_nb().cells)
    hidden_lines = {ln for ln in hidden_lines if ln not in release_text}  # lines also shown in visible cells
    assert hidden_lines, "01_gates should have hidden tests"
    for student in klass["rows"]:
        page = klass["out"] / "feedback" / student / A / f"{A}.html"
        assert page.exists(), f"no feedback for {student}"
        text = page.read_text()
        leaked = [ln for ln in hidden_lines if ln in text or html.escape(ln) in text or html.escape(ln, quote=False) in text]
        assert not leaked, f"hidden tests leak into {student}'s feedback: {leaked[:3]}"


@slow
def test_progress_bar_counts_students(klass):
    assert f"{len(klass['rows'])}/{len(klass['rows'])}" in klass["proc"].stderr


def _cli(*args, cwd=REPO):
    return subprocess.run(lstm_course() + list(args), cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["missing_folder", "empty_folder", "unknown_assignment", "out_inside"])
def test_clear_one_line_errors(tmp_path, case):
    sub = tmp_path / "submitted"
    if case != "missing_folder":
        sub.mkdir()
    args = ["grade", str(sub), "--out", str(tmp_path / "out")]
    if case == "unknown_assignment":
        (sub / "s1" / A).mkdir(parents=True)
        args += ["--assignment", "99_nope"]
    if case == "out_inside":
        (sub / "s1" / A).mkdir(parents=True)
        args[3] = str(sub / "out")
    r = _cli(*args)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("lstm-course: error:"), r.stderr
    assert "Traceback" not in r.stderr
    expected = {"missing_folder": "not found", "empty_folder": "no submissions",
                "unknown_assignment": "unknown assignment 99_nope", "out_inside": "inside the submissions"}[case]
    assert expected in lines[0]


@slow
def test_killed_grader_resumes_without_grading_anyone_twice(tmp_path):
    import os
    import signal
    import time
    sub = tmp_path / "submitted"
    for s in ["s1", "s2", "s3", "s4"]:
        write_submission(sub, s, with_solutions(release_nb()) if s in ("s1", "s3") else release_nb())
    out = tmp_path / "out"
    args = lstm_course() + ["grade", str(sub), "--out", str(out), "--workers", "1", "--quiet"]
    proc = subprocess.Popen(args, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / ".journal.jsonl"
    deadline = time.time() + 600
    while time.time() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 1):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the grader and its kernels, mid-batch
    proc.wait()
    first = journal.read_text().count("\n")
    assert 1 <= first, "nothing was graded before the kill"
    again = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    graded = [json.loads(ln)["result"]["student"] for ln in journal.read_text().splitlines()]
    assert sorted(graded) == ["s1", "s2", "s3", "s4"], f"graded twice or lost: {graded}"
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert float(rows["s1"]["auto_score"]) == float(rows["s1"]["auto_max_score"]) == float(rows["s3"]["auto_score"])
    assert float(rows["s2"]["score"]) == float(rows["s4"]["score"]) == 0
    assert all((out / "feedback" / s / A / NB.replace(".ipynb", ".html")).exists() for s in rows)


@slow
def test_one_gradebook_agrees_with_grades_csv(klass):
    from nbgrader.api import Gradebook
    rows = klass["rows"]
    with Gradebook(f"sqlite:///{klass['out']}/gradebook.db", "lstm-course") as gb:
        for student, row in rows.items():
            sub = gb.find_submission(A, student)
            auto = sum(g.auto_score or 0 for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code")
            assert auto == pytest.approx(float(row["auto_score"])), student
    assert (klass["out"] / "autograded" / "perfect" / A / NB).exists()
    assert "source_directory" in (klass["out"] / "nbgrader_config.py").read_text()


@slow
def test_parallel_equals_serial(tmp_path, klass):
    """The same class graded by one worker gives the same rows and cells as by two."""
    serial = tmp_path / "serial"
    r = subprocess.run(lstm_course() + ["grade", str(klass["sub"]), "--out", str(serial), "--workers", "1", "--quiet"],
                       cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    keep = ["student_id", "assignment", "score", "max_score", "auto_score", "status", "review"]
    one = [{k: x[k] for k in keep} for x in csv.DictReader(open(serial / "grades.csv"))]
    two = [{k: x[k] for k in keep} for x in csv.DictReader(open(klass["out"] / "grades.csv"))]
    assert one == two
    assert list(csv.DictReader(open(serial / "cells.csv"))) == klass["cells"]


@slow
def test_export_and_summary(klass):
    out = klass["out"]
    export = list(csv.DictReader(open(out / "export.csv")))
    assert {"assignment", "student_id", "raw_score", "score", "max_score"} <= set(export[0])
    by_student = {r["student_id"]: r for r in export}
    for student, row in klass["rows"].items():
        assert float(by_student[student]["raw_score"]) == pytest.approx(float(row["auto_score"]))
    md = (out / "summary" / f"{A}.md").read_text()
    # scores over the students who took it: an unreadable or missing notebook is not a taker
    takers = [r for r in klass["rows"].values() if r["status"] not in ("invalid notebook", "missing notebook")]
    assert len(takers) == len(klass["rows"]) - 3  # badjson, notutf8, missing
    scores = sorted(float(r["auto_score"]) for r in takers)
    import statistics
    assert f"median {statistics.median(scores):g}" in md and f"mean {statistics.mean(scores):.2f}" in md
    assert f"over the {len(takers)} who took it" in md
    assert (out / "summary" / f"{A}.png").read_bytes()[:4] == b"\x89PNG"
    # the tests most often failed, of those whose tests ran (not the crashed kernel's zeros)
    ran = {s for s, r in klass["rows"].items() if r["status"] in ("graded", "timeout")}
    failed = [c for c in klass["cells"] if c["student_id"] in ran and c["kind"] == "auto" and c["score"] != ""
              and float(c["score"]) < float(c["max_score"])]
    from collections import Counter
    top_gid, top_n = Counter(c["grade_id"] for c in failed).most_common(1)[0]
    assert f"`{top_gid}`: {top_n} of {len(ran)}" in md
