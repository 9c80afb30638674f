"""The grader's side of a worker's fork server (the server itself is `zygote.py`).

One long-lived process per grading worker, inside a bubblewrap sandbox of the same view as a
kernel's, imports numpy, matplotlib, torch, lstmlib and ipykernel once and forks each
notebook's kernel (and each crosscheck process) from there: a fork costs milliseconds where a
fresh `python -m ipykernel_launcher` spends ~2 s of CPU on imports before its first cell.
A forked process is a fresh sandbox of its own (see zygote.py for what it gets before any
student code runs).
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .bwrap import bwrap_command
from .policy import HOME, Policy

ZYGOTE = Path(__file__).with_name("zygote.py")

# What the fork server imports once, before it forks any kernel: what the course's notebooks
# start with (a module that is not installed is skipped).
PRELOAD = ["numpy", "numpy.random", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "torch", "torch.nn", "lstmlib", "lstmlib.testing", "lstmlib.plots", "lstmlib.widgets", "lstmlib.train",
           # what a kernel imports while it starts (measured: sys.modules of a forked kernel)
           "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "debugpy.server.api", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
           "IPython.extensions.storemagic", "tornado.queues", "tornado.platform.asyncio", "sqlite3", "http.server"]


class ForkServerError(RuntimeError):
    """The fork server could not start."""


class ForkedProcess:
    """The Popen-like handle of a process forked by the fork server (jupyter_client's
    provisioner holds it for a kernel): poll, wait and kill go through the server, whose child
    it is."""

    stdin = stdout = stderr = None

    def __init__(self, server: "ForkServer", pid: int):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            reply = self.server.request({"op": "poll", "pid": self.pid})
            if reply is None:  # the server has gone, and its processes with it
                self.returncode = -9
            elif reply.get("status") is not None:
                self.returncode = int(reply["status"])
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"forked process {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Any signal ends the process, with everything it started (SIGINT never reaches a
        sandboxed kernel: its interrupts are messages)."""
        if self.poll() is None:
            self.server.request({"op": "kill", "pid": self.pid})

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


# A sandboxed kernel's sockets are files in its runtime folder (ZeroMQ's ipc transport), and a
# socket's path must fit in 107 bytes. The folders (a fork server's, and a kernel's inside it)
# add ~50 bytes to the folder they go in: TMPDIR when its path is short enough, else /tmp.
SOCKET_PATH_ROOM = 50


def runtime_parent() -> str:
    """Where sandbox runtime folders go: the temporary folder, unless its path leaves no room
    for a kernel's socket names (then /tmp)."""
    tmp = tempfile.gettempdir()
    return tmp if len(tmp) <= SOCKET_PATH_ROOM else "/tmp"


class ForkServer:
    """A running fork server (`zygote.py` in a bwrap sandbox of `policy`'s view).

    Started by the thread that lives as long as it (bwrap's --die-with-parent follows the
    starting thread): the grading worker's main thread. Raises ForkServerError when it cannot
    start; `broken` turns True when it stops answering (the caller then starts kernels as
    bwrap processes)."""

    start_timeout = 120
    reply_timeout = 60

    def __init__(self, policy: Policy, uid: int | None, wait: bool = True):
        """Start the server; `wait=False` returns at once (its imports run meanwhile) and
        `ready()` waits for it later."""
        self.policy, self.uid = policy, uid
        self.broken = False
        self.spawned = 0
        self._lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="lstm-fork-", dir=runtime_parent()))
        os.chmod(self.root, 0o755)
        settings = {"root": str(self.root), "home": HOME, "preimport": PRELOAD, "readonly": policy.readonly_paths()}
        idle = self.root / ".server"
        idle.mkdir()
        cmd = bwrap_command([sys.executable, "-c", ZYGOTE.read_text(), json.dumps(settings)], policy,
                            workdir=idle, runtime=self.root, uid=uid, server=True)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=self.root, env={"PATH": "/usr/bin:/bin"})
        self._ready = False
        if wait:
            self.ready()

    def ready(self) -> "ForkServer":
        """Wait until the server has imported everything and answers (once); ForkServerError
        (the server stopped) when it never does."""
        if not self._ready:
            reply = self._reply(self.start_timeout)
            if not reply or not reply.get("ready"):
                self.close()
                raise ForkServerError("the fork server did not start")
            self._ready = True
        return self

    def usable(self) -> bool:
        return not self.broken and self.proc.poll() is None

    def _reply(self, timeout: float) -> dict | None:
        out = self.proc.stdout
        assert out is not None
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return None
        line = out.readline()
        return json.loads(line) if line else None

    def request(self, req: dict) -> dict | None:
        """One request and its reply; None (and the server counts as broken) on any failure."""
        with self._lock:
            if self.broken:
                return None
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write((json.dumps(req) + "\n").encode())
                self.proc.stdin.flush()
                reply = self._reply(self.reply_timeout)
            except (OSError, ValueError):
                reply = None
            if reply is None:
                self.broken = True
            return reply

    def spawn(self, req: dict) -> ForkedProcess | None:
        """Fork a kernel (op "spawn") or a plain program (op "run"); None when the server cannot."""
        reply = self.request(req)
        if not reply or "pid" not in reply:
            return None
        self.spawned += 1
        return ForkedProcess(self, int(reply["pid"]))

    def close(self) -> None:
        """Stop the server and everything it forked (closing its stdin ends it)."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def early_server(policy: Policy) -> ForkServer | None:
    """A fork server for `policy`, started now and not waited for (`ready()` waits); None
    where the policy has none or it cannot start (the KernelLauncher then tries again and
    says why)."""
    if not (policy.sandbox and policy.fork_server):
        return None
    try:
        return ForkServer(policy, policy.uid(), wait=False)
    except (ForkServerError, OSError):
        return None
