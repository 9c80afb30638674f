"""The grader's rules, without grading anything (milliseconds): what status a submission gets
from its notebooks' problems, what a row adds up to, and the resume journal."""
from __future__ import annotations

import json

import pytest

from autograder.grading.journal import Journal, folder_hash
from autograder.grading.result import Job, Result, cell_row
from autograder.grading.status import Problem, Status, from_nbgrader_log, needs_manual_grade, overall

JOB = Job("ada", "01_gates", "/nowhere")


def test_no_problem_is_graded():
    assert overall({}) == (Status.GRADED, "")


@pytest.mark.parametrize("statuses, worst", [
    ([Status.TIMEOUT, Status.MISSING], Status.MISSING),
    ([Status.INVALID, Status.KERNEL_DIED], Status.KERNEL_DIED),
    ([Status.ERROR, Status.TIMEOUT], Status.TIMEOUT),
    ([Status.MISSING, Status.INVALID], Status.INVALID),
])
def test_the_worst_problem_names_the_row_and_every_detail_is_kept(statuses, worst):
    problems = {f"nb{i}": Problem(s, f"detail {i}") for i, s in enumerate(statuses)}
    status, detail = overall(problems)
    assert status == worst
    assert detail == "; ".join(f"detail {i}" for i in range(len(statuses)))


def test_only_a_timeout_keeps_the_notebooks_scores():
    assert Problem(Status.TIMEOUT, "").scored
    assert not any(Problem(s, "").scored for s in Status if s != Status.TIMEOUT)


@pytest.mark.parametrize("text, status", [
    ("nbclient.exceptions.DeadKernelError: Kernel died", Status.KERNEL_DIED),
    ("[ERROR] the kernel died unexpectedly", Status.KERNEL_DIED),
    ("TimeoutError: Timeout waiting for execute reply", Status.TIMEOUT),
    ("[ERROR] something else went wrong\nValueError: bad", Status.ERROR),
])
def test_nbgrader_log_gives_the_reason(text, status):
    p = from_nbgrader_log({"log": text}, "01_gates")
    assert p.status == status and "01_gates.ipynb" in p.detail
    if status == Status.ERROR:
        assert "ValueError: bad" in p.detail  # the last line of the log, for the instructor


def test_manual_points_wait_only_in_graded_submissions():
    assert needs_manual_grade(Status.GRADED, [None, 1.0])
    assert needs_manual_grade(Status.TIMEOUT, [None])
    assert not needs_manual_grade(Status.GRADED, [1.0, 0.0])
    assert not needs_manual_grade(Status.KERNEL_DIED, [None])


def test_a_row_adds_up_its_cells():
    r = Result("ada", "01_gates", cells=[cell_row(JOB, "01_gates", "a", 2.0, 2.0, False),
                                         cell_row(JOB, "01_gates", "b", 0.5, 1.0, False),
                                         cell_row(JOB, "01_gates", "q", None, 3.0, True)])
    row = r.totals()
    assert (row["score"], row["max_score"], row["auto_score"], row["auto_max_score"]) == (2.5, 6, 2.5, 3)
    assert row["needs_manual_grade"] is True and row["status"] == "graded"


def test_results_survive_the_journal_and_unknown_fields_are_ignored(tmp_path):
    j = Journal(tmp_path / ".journal.jsonl")
    r = Result("ada", "01_gates", Status.TIMEOUT, "cell x ran past", cells=[cell_row(JOB, "01_gates", "a", 1.0, 2.0, False)],
               feedback={"01_gates": "/out/feedback/ada/01_gates/01_gates.html"})
    j.append("h1", r)
    back = j.load()[("ada", "01_gates")]
    assert back[0] == "h1" and back[1] == r and back[1].status is Status.TIMEOUT
    entry = json.loads((tmp_path / ".journal.jsonl").read_text())
    entry["result"]["from_a_later_version"] = 1
    (tmp_path / ".journal.jsonl").write_text(json.dumps(entry) + "\n")
    assert j.load()[("ada", "01_gates")][1] == r


def test_the_journal_keeps_the_latest_entry_and_skips_a_line_cut_short(tmp_path):
    j = Journal(tmp_path / ".journal.jsonl")
    j.append("h1", Result("ada", "01_gates", Status.KERNEL_DIED))
    j.append("h2", Result("ada", "01_gates"))
    j.append("h3", Result("bo", "01_gates"))
    text = (tmp_path / ".journal.jsonl").read_text()
    (tmp_path / ".journal.jsonl").write_text(text[: len(text) - 20])  # the crash cut the last line
    done = j.load()
    assert done[("ada", "01_gates")][0] == "h2" and done[("ada", "01_gates")][1].status is Status.GRADED
    assert ("bo", "01_gates") not in done  # graded again on resume
    assert Journal(tmp_path / "none.jsonl").load() == {}


def test_a_submission_changes_its_hash(tmp_path):
    (tmp_path / "01_gates.ipynb").write_text("{}")
    h = folder_hash(tmp_path)
    assert folder_hash(tmp_path) == h
    (tmp_path / "01_gates.ipynb").write_text("{ }")
    assert folder_hash(tmp_path) != h
    (tmp_path / "01_gates.ipynb").write_text("{}")
    (tmp_path / "extra.txt").write_text("")
    assert folder_hash(tmp_path) != h
