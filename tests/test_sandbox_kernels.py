"""Where a grading kernel starts (autograder/sandbox/kernels.py `KernelLauncher`): forked from
the worker's fork server, a bubblewrap process when the server cannot serve, a plain process
only without the sandbox.

A forked kernel must be as fresh and as closed as one started by bubblewrap: checked here from
inside (uid, capabilities, PID namespace, network, limits, files) and from outside (nothing of
one kernel survives into the next: files, /tmp, processes), and the launcher must fall back to
a bubblewrap process when the server cannot serve, and say so."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from conftest import needs_sandbox
from autograder.nbgrader.execute import CourseExecute
from autograder.sandbox import identity
from autograder.sandbox.kernels import BWRAP, FORKED, PLAIN, KernelLauncher
from autograder.sandbox.policy import HOME, Limits, Policy

pytestmark = pytest.mark.slow


def _run(launcher, folder, *sources: str) -> list[str]:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    ep = CourseExecute(config=Config(), timeout=60, scrub=False)  # the kernel's own paths
    ep.launcher = launcher
    ep.preprocess(nb, {"metadata": {"path": str(folder)}})
    texts = []
    for cell in nb.cells:
        assert all(o.output_type != "error" for o in cell.outputs), cell.outputs
        texts.append("".join(o.get("text", "") for o in cell.outputs).strip())
    return texts


@pytest.fixture
def launcher():
    with KernelLauncher(Policy()) as la:
        assert la.way() == FORKED, f"the fork server did not start: {la.notes}"
        yield la


INSIDE = """
import os, sys, socket, resource
caps = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith(('CapEff', 'CapPrm', 'NoNewPrivs'))]
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
try:
    socket.create_connection(('1.1.1.1', 53), timeout=2); net = 'open'
except OSError:
    net = 'closed'
print(os.getuid() if os.getuid() != 0 else 'ROOT', os.getpid(), ','.join(map(str, pids)), ','.join(caps), net,
      'torch' in sys.modules, resource.getrlimit(resource.RLIMIT_AS)[0], os.getcwd(), open('data.txt').read())
"""


@needs_sandbox
def test_a_forked_kernel_is_a_closed_sandbox(tmp_path, launcher):
    (tmp_path / "data.txt").write_text("alice")
    out = _run(launcher, tmp_path, INSIDE)[0].split(maxsplit=8)
    uid, pid, pids, caps, net, preloaded, as_limit, cwd, data = out
    if os.geteuid() == 0:
        assert uid == str(identity.sandbox_uid()), out  # an unprivileged uid, never root
    assert uid != "ROOT"
    # its own PID namespace: the namespace's init (root, out of reach) and the kernel, PID 2
    assert pid == "2" and pids.split(",")[:2] == ["1", "2"], out
    assert caps == "0000000000000000,0000000000000000,1", out  # no capabilities, no new privileges
    assert net == "closed"
    assert preloaded == "True", "the kernel was not forked from the server (torch not preloaded)"
    # the memory limit, plus the address space of what the server preloaded (torch & co.)
    assert Limits().memory_bytes < int(as_limit) < Limits().memory_bytes + 2 * 1024**3, out
    assert cwd == f"{HOME}/work" and data == "alice"
    assert launcher.server.spawned == 1


@needs_sandbox
def test_nothing_of_one_kernel_reaches_the_next(tmp_path, launcher):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "data.txt").write_text("alice")
    (b / "data.txt").write_text("bob")
    first = _run(launcher, a, "import os, subprocess, numpy as np\n"
                 "open('left_behind.txt', 'w').write('x'); open('/tmp/left.txt', 'w').write('x')\n"
                 "for _ in range(3):\n"  # trying to outlive the kernel
                 "    subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
                 "    if os.fork() == 0:\n"
                 "        import time; time.sleep(300); os._exit(0)\n"
                 "import torch\nprint(open('data.txt').read(), torch.randint(10**9, (1,)).item(), np.random.randint(10**9))")
    assert first[0].split()[0] == "alice", first
    uid = identity.sandbox_uid()
    if uid is not None:  # the launcher returns only once the kernel and its sleepers are gone
        assert identity.processes(uid) == [], f"processes of the sandbox uid survived: {identity.processes(uid)}"
    other = launcher.server.root / "lstm-sbx-someone-else"  # another kernel's folder, as if one ran beside
    other.mkdir()
    (other / "secret.txt").write_text("s3cret")
    root = str(launcher.server.root)
    second = _run(launcher, b, "import os, glob, torch, numpy as np\n"
                  "print(open('data.txt').read(), os.path.exists('left_behind.txt'), os.path.exists('/tmp/left.txt'),"
                  " len([p for p in os.listdir('/proc') if p.isdigit()]),"
                  f" glob.glob({root!r} + '/*'), torch.randint(10**9, (1,)).item(), np.random.randint(10**9))")
    name, left_work, left_tmp, nprocs, rest = second[0].split(maxsplit=4)
    others, *rand = rest.rsplit(maxsplit=2)
    assert (name, left_work, left_tmp) == ("bob", "False", "False"), second
    assert nprocs == "2", "the second kernel sees processes besides itself and its init"
    assert others.count("lstm-sbx-") == 1 and "someone-else" not in others, \
        f"the kernel sees other kernels' folders: {others}"
    assert rand[0] != first[0].split()[-2] and rand[1] != first[0].split()[-1], \
        f"the random state (torch, numpy) repeats from kernel to kernel (not reseeded): {first} / {second}"
    assert not (a / "left_behind.txt").exists()  # the submission's folder is never written
    assert launcher.server.spawned == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="a sandbox identity of its own exists only as root")
def test_an_identity_is_released_only_when_all_its_processes_are_gone():
    """What the launcher waits for between two students: every process of the sandbox uid
    gone, those that linger (ignoring SIGTERM, in a session of their own) killed, within the
    deadline; `release` says whether the uid is free."""
    import subprocess
    uid = identity.FIRST_UID + identity.UIDS + 7  # outside the workers' range: nobody else's
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(300)"
    procs = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "python3", "-c", code],
                              start_new_session=True) for _ in range(3)]
    deadline = time.monotonic() + 10
    while len(identity.processes(uid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(identity.processes(uid)) == 3
    start = time.monotonic()
    assert identity.release(uid, deadline_s=5.0)
    assert time.monotonic() - start < 5.0
    assert identity.processes(uid) == []
    for p in procs:
        p.wait(5)


@needs_sandbox
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_kernel_that_kills_itself_dies_as_a_fresh_one_would(tmp_path, launcher, signal_name):
    """Signals behave as in any process: the kernel is not its namespace's PID 1 (which would
    ignore a signal it has no handler for, even one it sends itself)."""
    from nbclient.exceptions import DeadKernelError
    with pytest.raises(DeadKernelError):
        _run(launcher, tmp_path, f"import os, signal\nos.kill(os.getpid(), signal.{signal_name})\nimport time; time.sleep(30)")
    assert launcher.server.spawned == 1


@needs_sandbox
def test_a_course_kept_under_tmp_stays_visible_and_read_only(tmp_path, monkeypatch):
    """A fork gets a fresh /tmp; what the sandbox shows read-only from under /tmp (a clean
    clone in /tmp, as CI has it: its venv, lstmlib, datasets) must survive that, read-only."""
    import shutil
    import tempfile
    course = Path(tempfile.mkdtemp(prefix="lstm-course-under-tmp-", dir="/tmp"))
    try:
        (course / "lib.txt").write_text("shared")
        os.chmod(course, 0o755)
        shown = Policy().readonly_paths()
        monkeypatch.setattr(Policy, "readonly_paths", lambda self: [*shown, str(course)])
        with KernelLauncher(Policy()) as launcher:
            out = _run(launcher, tmp_path, f"import os\ntry:\n    open({str(course / 'new.txt')!r}, 'w'); w = 'writable'\n"
                                            f"except OSError:\n    w = 'read-only'\nprint(open({str(course / 'lib.txt')!r}).read(), w)")
            assert out == ["shared read-only"], out
            assert launcher.server.spawned == 1
    finally:
        shutil.rmtree(course, ignore_errors=True)


@needs_sandbox
def test_a_broken_server_falls_back_to_a_bwrap_process_and_says_so(tmp_path, launcher):
    (tmp_path / "data.txt").write_text("carol")
    server = launcher.server
    server.proc.kill()
    server.proc.wait()
    out = _run(launcher, tmp_path, "import os, sys\nprint(open('data.txt').read(), 'torch' in sys.modules, os.getcwd())")
    assert out[0] == f"carol False {HOME}/work", out  # a fresh bwrap sandbox: nothing preloaded
    assert server.spawned == 0 and launcher.way() == BWRAP
    assert len(launcher.notes) == 1 and "fork server stopped answering" in launcher.notes[0], launcher.notes
    _run(launcher, tmp_path, "pass")
    assert len(launcher.notes) == 1, "the fallback is said once, not per kernel"


@needs_sandbox
def test_the_fork_server_can_be_switched_off():
    with KernelLauncher(Policy(fork_server=False)) as launcher:
        assert launcher.server is None and launcher.way() == BWRAP and launcher.notes == []


@needs_sandbox
def test_the_crosscheck_runs_forked_too(launcher):
    import numpy as np
    from autograder.grading.crosscheck import Case, run_student_code
    case = Case("double", "out = {'y': double(inputs['x'])}", lambda r: {"x": r.normal(size=3)})
    x = np.arange(3.0)
    # the first student breaks numpy in its process; a fresh fork for the next one must not see it
    got = run_student_code("import numpy as np\nnp.sum = lambda *a, **k: -1.0\ndef double(x):\n    return 2 * x\n",
                           [case], [{"x": x}], launcher=launcher, timeout=30)
    assert np.array_equal(got["0/y"], 2 * x), got
    got = run_student_code("import numpy as np\ndef double(x):\n    return x * 0 + np.sum(x)\n",
                           [case], [{"x": x}], launcher=launcher, timeout=30)
    assert np.array_equal(got["0/y"], [3.0, 3.0, 3.0]), f"numpy patched by the previous process: {got}"
    assert launcher.server.spawned == 2
    spin = run_student_code("def double(x):\n    while True:\n        pass\n", [case], [{"x": np.arange(3.0)}],
                            launcher=launcher, timeout=3)
    assert "__error__" in spin or "0/__error__" in spin, spin


def test_without_the_sandbox_a_kernel_is_a_plain_process_in_its_own_folder(tmp_path):
    with KernelLauncher(Policy(sandbox=False)) as launcher:
        assert launcher.way() == PLAIN and launcher.server is None
        (tmp_path / "data.txt").write_text("dan")
        out = _run(launcher, tmp_path, "import os, sys\nprint(open('data.txt').read(), os.getcwd(), "
                                       "os.environ['LSTM_COURSE_MODE'])")[0].split()
        assert out == ["dan", str(tmp_path), "grading"], out
