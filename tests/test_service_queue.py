"""The grading service's durable queue (milliseconds): nothing lost and nothing graded twice to
the end across a kill, and the per-student rate limit holds submissions back without dropping
them."""
from __future__ import annotations

import multiprocessing
import os
import signal

from autograder.service.queue import Queue

HOUR = 3600.0


def _row(score=1.0):
    return {"status": "graded", "score": score, "max_score": 2.0, "detail": ""}


def test_each_submission_is_queued_once_and_served_in_arrival_order(tmp_path):
    q = Queue(tmp_path / "q.db")
    assert q.add("ada+01_gates+t1+r", "ada", "01_gates", "t1", now=10)
    assert q.add("bo+01_gates+t1+r", "bo", "01_gates", "t1", now=11)
    assert not q.add("ada+01_gates+t1+r", "ada", "01_gates", "t1", now=12)  # seen again: ignored
    first, second = q.next(now=20), q.next(now=20)
    assert (first.id, second.id) == ("ada+01_gates+t1+r", "bo+01_gates+t1+r")
    assert first.state == "grading" and first.attempts == 1
    assert q.next(now=20) is None


def test_a_kill_while_grading_puts_it_back_and_keeps_what_was_done(tmp_path):
    q = Queue(tmp_path / "q.db")
    for s in ["a", "b", "c"]:
        q.add(f"{s}+x+t+r", s, "x", "t", now=1)
    done = q.next(now=2)
    q.graded(done.id, _row(), {"student": "a"}, now=3)
    q.released(done.id, now=4)
    killed = q.next(now=5)  # being graded when the service is killed
    graded_not_released = q.next(now=5)
    q.graded(graded_not_released.id, _row(), {"student": "c"}, now=6)
    del q  # (no close: as after SIGKILL)
    again = Queue(tmp_path / "q.db")
    assert again.recover() == [killed.id]
    states = {e.id: e.state for e in again.entries()}
    assert states == {"a+x+t+r": "released", "b+x+t+r": "queued", "c+x+t+r": "graded"}
    retry = again.next(now=7)
    assert retry.id == killed.id and retry.attempts == 2
    assert again.get("c+x+t+r").result_dict() == {"student": "c"}


def _add_and_die(path, n):
    q = Queue(path)
    for i in range(n):
        q.add(f"s{i}+x+t+r", f"s{i}", "x", "t")
        if i == n // 2:
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_sigkill_loses_no_committed_submission(tmp_path):
    p = multiprocessing.get_context("fork").Process(target=_add_and_die, args=(tmp_path / "q.db", 10))
    p.start()
    p.join(30)
    assert p.exitcode == -signal.SIGKILL
    assert [e.id for e in Queue(tmp_path / "q.db").entries()] == [f"s{i}+x+t+r" for i in range(6)]


def test_the_rate_limit_holds_later_submissions_back_and_never_drops_them(tmp_path):
    q = Queue(tmp_path / "q.db", per_hour=2)
    for k in range(4):
        q.add(f"ada+x+t{k}+r", "ada", "x", f"t{k}", now=100 + k)
    q.add("bo+x+t0+r", "bo", "x", "t0", now=105)
    started = []
    for _ in range(3):
        e = q.next(now=200)
        started.append(e.id)
        q.graded(e.id, _row(), {}, now=201)
    # ada's first two, then bo's: ada's third waits for the first to leave the hour
    assert started == ["ada+x+t0+r", "ada+x+t1+r", "bo+x+t0+r"]
    assert q.next(now=300) is None
    assert q.next_wake() == 200 + HOUR
    assert q.get("ada+x+t2+r").state == "queued" and q.get("ada+x+t3+r").state == "queued"
    assert q.next(now=200 + HOUR + 1).id == "ada+x+t2+r"
    assert q.next(now=200 + HOUR + 1).id == "ada+x+t3+r"  # the second one also left the hour


def test_other_assignments_have_their_own_limit(tmp_path):
    q = Queue(tmp_path / "q.db", per_hour=1)
    q.add("ada+x+t0+r", "ada", "x", "t0", now=1)
    q.add("ada+x+t1+r", "ada", "x", "t1", now=2)
    q.add("ada+y+t0+r", "ada", "y", "t0", now=3)
    assert [q.next(now=10).id, q.next(now=10).id] == ["ada+x+t0+r", "ada+y+t0+r"]
    assert q.next(now=10) is None


def test_a_submission_is_taken_only_once_nbgrader_has_finished_writing_it(tmp_path):
    """`nbgrader submit` copies the notebooks, then writes the submission's secret last: a folder
    seen before that may still lack its notebook (it was graded as 'missing notebook')."""
    import time
    from autograder.service import exchange
    folder = exchange.inbound(tmp_path, "c") / "ada+01_gates+2026-12-02 10:00:00.000000 UTC+abc"
    folder.mkdir(parents=True)
    (folder / "01_gates.ipynb").write_text("{}")
    assert exchange.scan(tmp_path, "c") == []  # still being copied
    (folder / "timestamp.txt").write_text("2026-12-02 10:00:00.000000 UTC")
    assert exchange.scan(tmp_path, "c") == []
    (folder / "submission_secret.txt").write_text("s3cret")
    assert [s.student for s in exchange.scan(tmp_path, "c")] == ["ada"]
    # a folder without a secret that nobody has touched for a while was put there by hand
    other = exchange.inbound(tmp_path, "c") / "bo+01_gates+2026-12-02 09:00:00.000000 UTC"
    other.mkdir()
    (other / "01_gates.ipynb").write_text("{}")
    assert not exchange.complete(other)
    assert exchange.complete(other, now=time.time() + exchange.UNFINISHED_GRACE_S + 5)
