"""The grading worker's fork server (autograder/sandbox.py `ForkServer`, autograder/zygote.py;
issue #9): kernels forked from one process that has imported numpy, torch, lstmlib... once.

A forked kernel must be as fresh and as closed as one started by bubblewrap: checked here from
inside (uid, capabilities, PID namespace, network, limits, files) and from outside (nothing of
one kernel survives into the next: files, /tmp, processes), and the grader must fall back to
the usual start when the server cannot serve."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import sandbox

needs_bwrap = pytest.mark.skipif(sandbox.available() is not None,
                                 reason=f"needs bubblewrap: {sandbox.available()}")


def _run(folder, *sources: str, sandboxed: bool = True) -> list[str]:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cls = sandbox.SandboxedExecute if sandboxed else sandbox.CappedExecute
    ep = cls(config=Config(), timeout=60)
    ep.preprocess(nb, {"metadata": {"path": str(folder)}})
    texts = []
    for cell in nb.cells:
        assert all(o.output_type != "error" for o in cell.outputs), cell.outputs
        texts.append("".join(o.get("text", "") for o in cell.outputs).strip())
    return texts


@pytest.fixture
def server():
    srv = sandbox.ForkServer.enable(sandbox=True)
    assert srv is not None, "the fork server did not start"
    yield srv
    sandbox.ForkServer.disable()
    assert sandbox.ForkServer.current is None


def _uid_processes(uid: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if any(ln.startswith("Uid:") and int(ln.split()[1]) == uid for ln in status.read_text().splitlines()):
                pids.append(int(status.parent.name))
        except (OSError, ValueError):
            pass
    return pids


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


@needs_bwrap
def test_a_forked_kernel_is_a_closed_sandbox(tmp_path, server):
    (tmp_path / "data.txt").write_text("alice")
    out = _run(tmp_path, INSIDE)[0].split(maxsplit=8)
    uid, pid, pids, caps, net, preloaded, as_limit, cwd, data = out
    if os.geteuid() == 0:
        assert uid == str(sandbox.sandbox_uid()), out  # an unprivileged uid, never root
    assert uid != "ROOT"
    # its own PID namespace: the namespace's init (root, out of reach) and the kernel, PID 2
    assert pid == "2" and pids.split(",")[:2] == ["1", "2"], out
    assert caps == "0000000000000000,0000000000000000,1", out  # no capabilities, no new privileges
    assert net == "closed"
    assert preloaded == "True", "the kernel was not forked from the server (torch not preloaded)"
    # the memory limit, plus the address space of what the server preloaded (torch & co.)
    assert sandbox.Limits().memory_bytes < int(as_limit) < sandbox.Limits().memory_bytes + 2 * 1024**3, out
    assert cwd == f"{sandbox.HOME}/work" and data == "alice"
    assert server.spawned == 1


@needs_bwrap
def test_nothing_of_one_kernel_reaches_the_next(tmp_path, server):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "data.txt").write_text("alice")
    (b / "data.txt").write_text("bob")
    first = _run(a, "import os, subprocess, numpy as np\n"
                    "open('left_behind.txt', 'w').write('x'); open('/tmp/left.txt', 'w').write('x')\n"
                    "for _ in range(3):\n"  # trying to outlive the kernel
                    "    subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
                    "    if os.fork() == 0:\n"
                    "        import time; time.sleep(300); os._exit(0)\n"
                    "import torch\nprint(open('data.txt').read(), torch.randint(10**9, (1,)).item(), np.random.randint(10**9))")
    assert first[0].split()[0] == "alice", first
    uid = sandbox.sandbox_uid()
    if uid is not None:  # the kernel and its sleepers are gone with it
        assert _uid_processes(uid) == [], f"processes of the sandbox uid survived: {_uid_processes(uid)}"
    other = server.root / "lstm-sbx-someone-else"  # another kernel's folder, as if one ran beside
    other.mkdir()
    (other / "secret.txt").write_text("s3cret")
    second = _run(b, "import os, glob, torch, numpy as np\n"
                     "print(open('data.txt').read(), os.path.exists('left_behind.txt'), os.path.exists('/tmp/left.txt'),"
                     " len([p for p in os.listdir('/proc') if p.isdigit()]),"
                     f" glob.glob({str(server.root)!r} + '/*'), torch.randint(10**9, (1,)).item(), np.random.randint(10**9))")
    name, left_work, left_tmp, nprocs, rest = second[0].split(maxsplit=4)
    others, *rand = rest.rsplit(maxsplit=2)
    assert (name, left_work, left_tmp) == ("bob", "False", "False"), second
    assert nprocs == "2", "the second kernel sees processes besides itself and its init"
    assert others.count("lstm-sbx-") == 1 and "someone-else" not in others, \
        f"the kernel sees other kernels' folders: {others}"
    assert rand[0] != first[0].split()[-2] and rand[1] != first[0].split()[-1], \
        f"the random state (torch, numpy) repeats from kernel to kernel (not reseeded): {first} / {second}"
    assert not (a / "left_behind.txt").exists()  # the submission's folder is never written
    assert server.spawned == 2


@needs_bwrap
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_kernel_that_kills_itself_dies_as_a_fresh_one_would(tmp_path, server, signal_name):
    """Signals behave as in any process: the kernel is not its namespace's PID 1 (which would
    ignore a signal it has no handler for, even one it sends itself)."""
    from nbclient.exceptions import DeadKernelError
    with pytest.raises(DeadKernelError):
        _run(tmp_path, f"import os, signal\nos.kill(os.getpid(), signal.{signal_name})\nimport time; time.sleep(30)")
    assert server.spawned == 1


@needs_bwrap
def test_a_course_kept_under_tmp_stays_visible_and_read_only(tmp_path, monkeypatch):
    """A fork gets a fresh /tmp; what the sandbox shows read-only from under /tmp (a clean
    clone in /tmp, as CI has it: its venv, lstmlib, datasets) must survive that, read-only."""
    import tempfile
    course = Path(tempfile.mkdtemp(prefix="lstm-course-under-tmp-", dir="/tmp"))
    try:
        (course / "lib.txt").write_text("shared")
        os.chmod(course, 0o755)
        shown = sandbox.readonly_paths()
        monkeypatch.setattr(sandbox, "readonly_paths", lambda: [*shown, str(course)])
        srv = sandbox.ForkServer.enable(sandbox=True)
        assert srv is not None
        try:
            out = _run(tmp_path, f"import os\ntry:\n    open({str(course / 'new.txt')!r}, 'w'); w = 'writable'\n"
                                 f"except OSError:\n    w = 'read-only'\nprint(open({str(course / 'lib.txt')!r}).read(), w)")
            assert out == ["shared read-only"], out
            assert srv.spawned == 1
        finally:
            sandbox.ForkServer.disable()
    finally:
        import shutil
        shutil.rmtree(course, ignore_errors=True)


@needs_bwrap
def test_a_broken_server_falls_back_to_the_usual_start(tmp_path, server):
    (tmp_path / "data.txt").write_text("carol")
    server.proc.kill()
    server.proc.wait()
    assert _run(tmp_path, "import sys\nprint(open('data.txt').read(), 'torch' in sys.modules)")[0] == "carol False"
    assert server.spawned == 0


@needs_bwrap
def test_the_crosscheck_runs_forked_too(server):
    from autograder.crosscheck import Case, _run_sandboxed
    case = Case("double", "out = {'y': double(inputs['x'])}", lambda r: {"x": r.normal(size=3)})
    import numpy as np
    x = np.arange(3.0)
    # the first student breaks numpy in its process; a fresh fork for the next one must not see it
    got = _run_sandboxed("import numpy as np\nnp.sum = lambda *a, **k: -1.0\ndef double(x):\n    return 2 * x\n",
                         [case], [{"x": x}], sandbox=True, timeout=30)
    assert np.array_equal(got["0/y"], 2 * x), got
    got = _run_sandboxed("import numpy as np\ndef double(x):\n    return x * 0 + np.sum(x)\n",
                         [case], [{"x": x}], sandbox=True, timeout=30)
    assert np.array_equal(got["0/y"], [3.0, 3.0, 3.0]), f"numpy patched by the previous process: {got}"
    assert server.spawned == 2
    spin = _run_sandboxed("def double(x):\n    while True:\n        pass\n", [case], [{"x": np.arange(3.0)}],
                          sandbox=True, timeout=3)
    assert "__error__" in spin or "0/__error__" in spin, spin


def test_without_the_sandbox_kernels_are_forked_in_their_own_folder(tmp_path):
    srv = sandbox.ForkServer.enable(sandbox=False)
    assert srv is not None
    try:
        (tmp_path / "data.txt").write_text("dan")
        out = _run(tmp_path, "import os, sys\nprint(open('data.txt').read(), 'torch' in sys.modules, os.getcwd())",
                   sandboxed=False)[0].split()
        assert out == ["dan", "True", str(tmp_path)], out
        assert srv.spawned == 1
    finally:
        sandbox.ForkServer.disable()


def test_fork_server_switch(monkeypatch):
    monkeypatch.delenv("LSTM_COURSE_FORKSERVER", raising=False)
    assert sandbox.use_fork_server()
    monkeypatch.setenv("LSTM_COURSE_FORKSERVER", "0")
    assert not sandbox.use_fork_server()
