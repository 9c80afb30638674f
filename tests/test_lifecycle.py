"""One Ctrl-C or SIGTERM stops a grading run and everything it started (workers, fork servers,
kernels, a kernel stuck in `while True`), within seconds, with one line and no traceback; the
same command then resumes. Checked on the process tree itself: every process the run had
started when it was stopped must be gone."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, first_solution_cell, lstm_course, needs_sandbox, release_nb, with_solutions, write_submission
from autograder.sandbox import identity

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lifecycle")]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def _tree(pid: int) -> dict[int, str]:
    """The live descendants of `pid` (and itself): pid -> "uid command line"."""
    kids, out, todo = _children(), {}, [pid]
    while todo:
        p = todo.pop()
        try:
            uid = next(ln.split()[1] for ln in Path(f"/proc/{p}/status").read_text().splitlines() if ln.startswith("Uid:"))
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:100]
        except (OSError, StopIteration):
            continue
        out[p] = f"{uid} {cmd}"
        todo += kids.get(p, [])
    return out


def _is_student_code(entry: str) -> bool:
    """A process running as a sandbox identity (as root, student code never runs as root)."""
    return identity.FIRST_UID <= int(entry.split()[0]) < identity.FIRST_UID + identity.UIDS


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def short_tmp():
    """A TMPDIR for a run (pytest's own folders have paths too long for it: a run then puts its
    sandboxes' folders in /tmp, where kernels' socket paths fit)."""
    d = Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _stuck_class(base: Path) -> Path:
    sub = base / "submitted"
    for student in ["s1_loops", "s2_loops"]:
        nb = with_solutions(release_nb())
        first_solution_cell(nb).source += "\nwhile True:\n    pass\n"
        write_submission(sub, student, nb)
    write_submission(sub, "s3_fine", with_solutions(release_nb()))
    return sub


def _wait_for_kernels(proc, n: int, timeout: float = 300) -> dict[int, str]:
    """The run's process tree once `n` kernels run in it (students' code is looping)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, f"the run ended before it was stopped: {proc.communicate()}"
        tree = _tree(proc.pid)
        if sum(map(_is_student_code, tree.values())) >= n:
            return tree
        time.sleep(0.5)
    raise AssertionError(f"no {n} kernels running after {timeout} s: {_tree(proc.pid)}")


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="student code has an identity of its own only as root (CI runs as root)")
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_one_signal_stops_the_whole_run_and_the_same_command_resumes(tmp_path, short_tmp, how):
    sub = _stuck_class(tmp_path)
    out = tmp_path / "out"
    args = lstm_course() + ["grade", str(sub), "--out", str(out), "--workers", "2", "--cell-timeout", "600", "--quiet"]
    # the runs' own temporary folders (fork servers', kernels') must go with them
    env = {**os.environ, "TMPDIR": str(short_tmp)}
    proc = subprocess.Popen(args, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        tree = _wait_for_kernels(proc, 2)
    except BaseException:  # no run left behind by a failing test
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    time.sleep(2)  # the kernels loop at full speed now
    tree.update(_tree(proc.pid))
    start = time.monotonic()
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    else:
        os.kill(proc.pid, signal.SIGTERM)  # the main process only, as `kill` or a service manager does
    stdout, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - start
    assert proc.returncode == (130 if how == "ctrl-c" else 143), (proc.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: 0 of 3 graded"), stderr
    assert "run the same command again to resume" in lines[0]
    assert took < 15, f"the run took {took:.1f} s to stop"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in tree):
        time.sleep(0.2)
    left = {p: c for p, c in tree.items() if _alive(p)}
    assert not left, f"processes of the run survived the {how}: {left}"

    # the same command, without the looping students, grades the one that is left
    for student in ["s1_loops", "s2_loops"]:
        nb = with_solutions(release_nb())
        shutil.rmtree(sub / student)
        write_submission(sub, student, nb)
    again = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert again.returncode == 0, again.stderr[-2000:]
    left = sorted(p.name for p in short_tmp.glob("lstm-*"))
    assert not left, f"the stopped run and the finished one left temporary folders: {left}"
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert sorted(rows) == ["s1_loops", "s2_loops", "s3_fine"]
    assert all(float(r["auto_score"]) == float(r["auto_max_score"]) > 0 for r in rows.values()), rows


def test_ctrl_c_during_the_release_build_says_so_in_one_line(tmp_path):
    proc = subprocess.Popen(lstm_course() + ["build", "--check"], cwd=REPO, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # nbgrader is generating assignments now
    tree = _tree(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "could not generate" not in stderr, stderr
    assert [ln for ln in stderr.splitlines() if ln.strip()] == ["lstm-course: interrupted"], stderr
    assert not any(_alive(p) for p in tree)


def test_workers_told_to_end_are_waited_for(tmp_path):
    """A run tells its workers to end as soon as its last result is in, writes its outputs
    meanwhile, then joins them: after `join()` every worker process has exited (a
    ProcessPoolExecutor shut down without waiting forgets its processes, and a second
    shutdown waits for nothing; the pool keeps them)."""
    from autograder.grading.dispatch import LocalPool
    from autograder.grading.process import WorkerSettings
    from autograder.sandbox.policy import Policy
    pool = LocalPool(tmp_path, WorkerSettings(["01_gates"], policy=Policy(sandbox=False)), 2).start(warm=True)
    procs = list(pool.pool._processes.values())
    assert len(procs) == 2 and all(p.is_alive() for p in procs)
    pool.end()
    pool.join()
    assert not [p.pid for p in procs if _alive(p.pid)], "a worker still runs after join()"
    # (the pool's own thread may reap a worker a moment before it records the exit status)
    deadline = time.monotonic() + 10
    while any(p.exitcode is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.exitcode for p in procs] == [0, 0]
    assert pool.pool is None
