"""`lstm-course serve`: grade each submission as it arrives in nbgrader's exchange and release
that student's feedback at once.

    scan EXCHANGE/COURSE/inbound -> snapshot + queue (queue.py, durable)
    -> the same workers as `lstm-course grade` (grading/dispatch.py: sandbox, fork servers)
    -> OUT_DIR/feedback, grades.csv (the latest submission of each student), timings.csv
    -> EXCHANGE/COURSE/feedback/<hash>.html (what `nbgrader fetch_feedback` and the
       Assignment List read)

The late rule of each assignment (rules.py) is applied as a submission is queued; the rate
limit (queue.py) holds a student's extra submissions back, never drops them.
"""
from __future__ import annotations

import html
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import lifecycle
from ..course import CELL_TIMEOUT, assignments as course_assignments
from ..grading import feedback
from ..grading.dispatch import LocalPool, OnDask
from ..grading.outputs import write_course_config, write_grades, write_timings
from ..grading.result import Job, Result
from ..grading.status import Status
from ..grading.process import WorkerSettings
from ..lifecycle import Interrupted
from ..nbgrader import gradebook
from ..nbgrader.generate import generate_release
from ..sandbox.policy import Policy
from . import exchange
from .queue import Entry, Queue
from .rules import Rules

STORE = ".service"  # OUT_DIR/.service: the queue and the snapshots


@dataclass
class ServeSettings:
    exchange: Path
    out: Path
    course: str = "lstm-course"
    assignments: list[str] = field(default_factory=list)  # empty: every assignment of the course
    workers: int = 2
    per_hour: int | None = None
    rules: Rules = field(default_factory=Rules)
    policy: Policy = field(default_factory=Policy)
    cell_timeout: int = CELL_TIMEOUT
    poll_s: float = 1.0
    gradebook_every_s: float = 30.0
    dask: str | None = None
    until_idle: bool = False  # stop once every submission found is released (tests, benchmarks)
    owner_check: bool = True  # a submission's folder must belong to the Unix user it is named after
    say: object = print


class Service:
    def __init__(self, s: ServeSettings):
        self.s = s
        self.out = Path(s.out).resolve()
        self.store = self.out / STORE
        (self.store / "snapshots").mkdir(parents=True, exist_ok=True)
        self.queue = Queue(self.store / "queue.db", s.per_hour)
        self.assignments = s.assignments or course_assignments()
        self.in_flight: dict = {}   # future -> Entry
        self.dirty_since: float | None = None

    # ------------------------------------------------------------------ the loop

    def run(self) -> None:
        recovered = self.queue.recover()
        if recovered:
            self.s.say(f"serve: {len(recovered)} submission(s) were being graded when the service stopped; "
                       f"grading them again")
        for e in self.queue.entries("graded"):  # graded but not released when it stopped
            self._release(e, Result.from_dict(e.result_dict()))
        template = self._template()
        workers = self._workers(WorkerSettings(self.assignments, self.s.cell_timeout, self.s.policy, str(template)))
        workers.start(warm=True)
        self.s.say(f"serve: watching {exchange.inbound(self.s.exchange, self.s.course)} with {workers.workers} "
                   f"worker(s); grades in {self.out}")
        try:
            while True:
                self._intake()
                self._dispatch(workers)
                finished = self._collect(workers)
                self._write(force=False)
                if self.s.until_idle and not self.in_flight and not self.queue.waiting() \
                        and not self.queue.entries("graded"):
                    break  # (submissions held back by the rate limit stay queued)
                if not finished:
                    time.sleep(min(self.s.poll_s, 0.2) if self.in_flight else self.s.poll_s)
        except BaseException:
            workers.stop()
            raise
        else:
            workers.close()
        finally:
            self._write(force=True)

    def _workers(self, settings: WorkerSettings):
        if self.s.dask:
            return OnDask(self.s.dask, settings, self.out)
        return LocalPool(self.out / ".work", settings, self.s.workers)

    def _template(self) -> Path:
        template = self.store / "template.db"
        template.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(prefix="lstm-course-template-") as tmp:
            generate_release(Path(tmp) / "release", self.assignments, db_url=f"sqlite:///{template}")
        return template

    def _intake(self) -> None:
        for sub in exchange.scan(self.s.exchange, self.s.course):
            if self.queue.get(sub.id) is not None:
                continue
            exchange.snapshot(self.s.exchange, self.s.course, sub, self.store / "snapshots")
            late = self.s.rules.lateness(sub.assignment, sub.timestamp) if sub.assignment in self.assignments else ""
            self.queue.add(sub.id, sub.student, sub.assignment, sub.timestamp, late)
            owner = exchange.owner(self.s.exchange, self.s.course, sub) if self.s.owner_check else sub.student
            if owner != sub.student:  # `nbgrader submit --student OTHER`: not graded, kept, said
                self._set_aside(self.queue.next(busy=set(), only=sub.id),
                                f"submitted by the Unix user {owner!r} under the name {sub.student!r}; not graded")

    def _dispatch(self, workers) -> None:
        while len(self.in_flight) < workers.workers:
            entry = self.queue.next(busy={e.id for e in self.in_flight.values()})
            if entry is None:
                return
            if entry.late and self.s.rules.rule(entry.assignment) == "refuse":
                self._refuse(entry)
                continue
            job = Job(entry.student, entry.assignment, str(self.store / "snapshots" / entry.id))
            self.in_flight[workers.submit(job)] = entry

    def _collect(self, workers) -> int:
        finished = [f for f in self.in_flight if f.done()]
        for fut in finished:
            entry = self.in_flight.pop(fut)
            result = workers.outcome(fut, Job(entry.student, entry.assignment, ""))
            lifecycle.check()
            self._graded(entry, result)
        return len(finished)

    # ------------------------------------------------------------------ one submission

    def _graded(self, entry: Entry, r: Result) -> None:
        if r.started:
            r.timings["queue"] = round(max(0.0, r.started - entry.seen_at), 4)
        start = time.perf_counter()
        if entry.late:
            r.detail = "; ".join(filter(None, [f"submitted {entry.late}", r.detail]))
            if self.s.rules.rule(entry.assignment) == "zero":
                for c in r.cells:
                    if c["score"] is not None:
                        c["score"] = 0.0
                r.detail += "; scored 0 (the assignment's late rule)"
        r = feedback.keep(self.out, r)
        if entry.late:
            for page in r.feedback.values():
                _banner(Path(page), f"Submitted {entry.late}. " + (
                    "This submission scores 0 under the course's late rule; the results below are for your "
                    "information." if self.s.rules.rule(entry.assignment) == "zero" else "It was graded as usual."))
        r.timings["write"] = round(time.perf_counter() - start, 4)
        self.queue.graded(entry.id, r.totals(), r.to_dict())
        self._release(entry, r)

    def _release(self, entry: Entry, r: Result) -> None:
        secret_file = self.store / "snapshots" / entry.id / "submission_secret.txt"
        if secret_file.exists():
            secret = secret_file.read_text()
            for nb, page in r.feedback.items():
                if Path(page).exists():
                    exchange.release(self.s.exchange, self.s.course, Path(page), secret, nb)
        self.queue.released(entry.id)
        self.dirty_since = self.dirty_since or time.time()
        row = r.totals()
        self.s.say(f"serve: {entry.student} {entry.assignment} ({entry.submitted_at}): {row['status']}, "
                   f"{row['score']}/{row['max_score']}" + (f", {entry.late}" if entry.late else ""))

    def _refuse(self, entry: Entry) -> None:
        self._set_aside(entry, f"submitted {entry.late}; not graded (the assignment's late rule); the submission "
                               f"is kept", Status.LATE)

    def _set_aside(self, entry: Entry | None, why: str, status: Status = Status.REFUSED) -> None:
        """Record a submission that is not graded, with the reason (its snapshot is kept)."""
        if entry is None:
            return
        r = Result(entry.student, entry.assignment, status, why)
        self.queue.graded(entry.id, r.totals(), r.to_dict())
        self.queue.released(entry.id)
        self.dirty_since = self.dirty_since or time.time()
        self.s.say(f"serve: {entry.student} {entry.assignment}: {why}")

    # ------------------------------------------------------------------ outputs

    def latest(self) -> list[Result]:
        """The result of each student's latest graded submission of each assignment."""
        best: dict[tuple[str, str], tuple[str, Result]] = {}
        for e in self.queue.entries():
            if e.state in ("graded", "released") and e.result:
                key = (e.student, e.assignment)
                if key not in best or e.submitted_at >= best[key][0]:
                    best[key] = (e.submitted_at, Result.from_dict(e.result_dict()))
        return [r for _, r in best.values()]

    def _write(self, force: bool) -> None:
        """grades.csv, cells.csv and timings.csv after every change; the gradebook every
        `gradebook_every_s` (it is rebuilt from all results) and when the service stops."""
        if self.dirty_since is None:
            return
        results = self.latest()
        write_grades(self.out, results)
        write_timings(self.out, results)
        if force or time.time() - self.dirty_since >= self.s.gradebook_every_s:
            db_url = f"sqlite:///{self.out}/gradebook.db"
            gradebook.merge(db_url, results, self.assignments, self.store / "template.db")
            write_course_config(self.out, db_url, self.store / "snapshots")
            self.dirty_since = None


def _banner(page: Path, text: str) -> None:
    """Put a notice at the top of a feedback page."""
    body = page.read_text()
    note = f"<div style='border:2px solid #c00;padding:8px;margin:8px'><b>{html.escape(text, quote=False)}</b></div>"
    m = re.search(r"<body[^>]*>", body)
    page.write_text(body[:m.end()] + note + body[m.end():] if m else note + body)


def serve(settings: ServeSettings) -> None:
    service = Service(settings)
    try:
        service.run()
    except Interrupted as stop:
        waiting = len(service.queue.entries("queued")) + len(service.queue.entries("grading"))
        done = len(service.queue.entries("released"))
        raise Interrupted(stop.signum, f"stopped: {done} released, {waiting} waiting (graded when the service "
                                       f"starts again)")
    finally:
        service.queue.close()
        sys.stdout.flush()
