"""Where student code is started while grading: `KernelLauncher`, one per grading worker.

It starts every kernel (through `CourseKernelManager`, which nbclient drives) and every
crosscheck program (`run_python`) in one of three ways, chosen in `way()`:

1. forked from the worker's fork server (sandboxed; the default);
2. a bubblewrap process of its own, when the fork server cannot serve or is switched off
   (`--no-fork-server`); the first time this happens the reason is kept in `notes`, and the
   batch says it once on stderr;
3. a plain process, only under `--no-sandbox`.

After each sandboxed kernel or program the sandbox identity is released: every process of
the worker's sandbox uid is gone before that uid serves the next student (`identity.release`).
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async

from . import identity
from .bwrap import bwrap_command
from .forkserver import ForkServer, ForkServerError, ForkedProcess, runtime_parent
from .policy import Policy, hand_over, working_copy

FORKED, BWRAP, PLAIN = "forked", "bwrap process", "plain process"


class KernelLauncher:
    """Starts student code for one grading worker, as its `policy` says (see the module doc).

    Use as a context manager, or call `close()`: the fork server and what it forked end."""

    def __init__(self, policy: Policy, server: ForkServer | None = None):
        """`server`: a fork server already started for this policy (see `early_server`),
        else one is started here."""
        self.policy = policy
        self.uid = policy.uid()
        self.notes: list[str] = []  # why a fallback happened, each said once
        self.server: ForkServer | None = None
        self.live: set = set()  # the kernel managers whose kernel runs now (stopped by close())
        if policy.sandbox and policy.fork_server:
            try:
                self.server = (server or ForkServer(policy, self.uid)).ready()
            except (ForkServerError, OSError) as exc:
                self._note(f"no fork server ({exc}); kernels start as bubblewrap processes, ~2 s of CPU more each")

    def __enter__(self) -> "KernelLauncher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop everything this launcher started: running kernels, the fork server and what it
        forked, and every process left under the sandbox identity."""
        for km in list(self.live):
            km.kill_now()
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.policy.sandbox:
            identity.release(self.uid)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ------------------------------------------------------------------ the choice

    def way(self) -> str:
        """How the next kernel or program starts: FORKED, BWRAP or PLAIN."""
        if not self.policy.sandbox:
            return PLAIN
        if self.server is not None:
            if self.server.usable():
                return FORKED
            self._note("the fork server stopped answering; kernels start as bubblewrap processes from now on")
            self.server.close()
            self.server = None
        return BWRAP

    def kernel_manager(self, kernel_name: str = "python3", **kwargs) -> "CourseKernelManager":
        """A kernel manager (for nbclient) whose kernel this launcher starts."""
        return CourseKernelManager(self, kernel_name=kernel_name, **kwargs)

    # ------------------------------------------------------------------ shared steps

    def new_runtime(self, way: str) -> Path:
        """A fresh folder for one sandbox: its sockets, and its working copy in `work/`.
        A forked one lies in the fork server's folder (the only part a fork sees of it)."""
        root = self.server.root if way == FORKED and self.server is not None else runtime_parent()
        runtime = Path(tempfile.mkdtemp(prefix="lstm-sbx-", dir=root))
        os.chmod(runtime, 0o755)
        return runtime

    def fork(self, request: dict) -> ForkedProcess | None:
        """Fork from the server; None (and a note) when it cannot: the caller starts a bwrap process."""
        process = self.server.spawn(request) if self.server is not None else None
        if process is None and self.way() == FORKED:  # (way() notes and drops a broken server)
            self._note("the fork server could not fork a process; it started as a bubblewrap process")
        return process

    def fork_request(self, op: str, runtime: Path, **fields) -> dict:
        limits = self.policy.fork_limits(self.uid)
        if "cpu_seconds" in fields:
            limits["cpu_seconds"] = fields.pop("cpu_seconds")
        return {"op": op, "dir": str(runtime), "uid": self.uid, "limits": limits, "env": self.policy.kernel_env(),
                **fields}

    def bwrap(self, cmd: list[str], runtime: Path, policy: Policy | None = None) -> list[str]:
        return bwrap_command(cmd, policy or self.policy, workdir=runtime / "work", runtime=runtime, uid=self.uid)

    def finished(self, runtime: Path | None) -> None:
        """After a sandboxed kernel or program: its identity free again, its folder gone."""
        if self.policy.sandbox and not identity.release(self.uid):
            self._note(f"processes of the sandbox uid {self.uid} outlived their kernel for 10 s")
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)

    # ------------------------------------------------------------------ programs

    def run_python(self, code: str, files: dict[str, bytes], outputs: list[str], timeout: float) -> dict[str, bytes] | str:
        """Run `python -I -c code` in a working folder holding `files`, sandboxed as a kernel is;
        return the `outputs` it wrote (those that exist), or why it failed ("ran past N s")."""
        way = self.way()
        runtime = self.new_runtime(way)
        work = runtime / "work"
        work.mkdir()
        try:
            for name, data in files.items():
                (work / name).write_bytes(data)
            hand_over(runtime, self.uid if way != PLAIN else None)
            timed_out = not self._run(way, code, runtime, timeout)
            if timed_out:
                return f"ran past {timeout:g} s"
            return {name: (work / name).read_bytes() for name in outputs if (work / name).is_file()}
        finally:
            if way == PLAIN:
                shutil.rmtree(runtime, ignore_errors=True)
            else:
                self.finished(runtime)

    def _run(self, way: str, code: str, runtime: Path, timeout: float) -> bool:
        cmd = [sys.executable, "-I", "-c", code]
        if way == FORKED:
            process = self.fork(self.fork_request("run", runtime, code=code, cpu_seconds=int(timeout) + 1))
            if process is not None:
                try:
                    process.wait(timeout=timeout)
                    return True
                except subprocess.TimeoutExpired:
                    process.kill()
                    return False
            way = BWRAP
        if way == BWRAP:
            limited = dataclasses.replace(self.policy, limits=dataclasses.replace(self.policy.limits,
                                                                                    cpu_seconds=int(timeout) + 1))
            cmd, cwd, env = self.bwrap(cmd, runtime, limited), runtime, {"PATH": "/usr/bin:/bin"}
        else:
            cwd, env = runtime / "work", self.policy.kernel_env()
        try:
            subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            return True
        except subprocess.TimeoutExpired:
            return False


def launcher_args(cmd: list[str]) -> list[str] | None:
    """The arguments of `python -m ipykernel_launcher ARGS` (this Python), else None: only such a
    kernel can come from the fork server."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
        try:
            if Path(cmd[0]).resolve() == Path(sys.executable).resolve():
                return list(cmd[3:])
        except OSError:
            pass
    return None


class CourseKernelClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as the kernel answers: its wait_for_ready ends by
    waiting for 0.2 s of silence on IOPub (to drop the start-up messages), a fixed 0.2 s per
    graded notebook; here only what has already arrived is dropped (nbclient reads the
    messages of its own requests only)."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.time() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected when the reply's status messages arrive on it
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0.005))
            except Empty:
                break

    # AsyncKernelClient binds `wait_for_ready` to KernelClient's own coroutine function, not
    # to whatever `_async_wait_for_ready` a subclass defines: bound here, or it is never used.
    wait_for_ready = _async_wait_for_ready


class CourseKernelManager(AsyncKernelManager):
    """The kernel manager of a grading kernel: its `KernelLauncher` decides how it starts."""

    def __init__(self, launcher: KernelLauncher, **kwargs):
        self.launcher = launcher
        self._way = PLAIN
        self._runtime: Path | None = None
        self._fork: dict | None = None
        super().__init__(**kwargs)
        self.client_factory = CourseKernelClient

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and self.launcher.policy.sandbox:
            spec.interrupt_mode = "message"  # SIGINT does not cross into a sandbox
        return spec

    async def _async_pre_start_kernel(self, **kw):
        self._way = way = self.launcher.way()
        if way == PLAIN:
            kw["env"] = self.launcher.policy.plain_env()
            return await super()._async_pre_start_kernel(**kw)
        if not identity.release(self.launcher.uid):
            raise RuntimeError(f"processes of the sandbox uid {self.launcher.uid} are still running; "
                               "no kernel starts under that identity before they are gone")
        self._runtime = runtime = self.launcher.new_runtime(way)
        self.transport = "ipc"
        self.ip = str(runtime / "kernel")
        self.connection_file = str(runtime / "kernel.json")
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        working_copy(kw.pop("cwd", None), runtime / "work", self.launcher.uid)
        hand_over(runtime, self.launcher.uid)
        args = launcher_args(cmd)
        self._fork = self.launcher.fork_request("spawn", runtime, argv=args) \
            if way == FORKED and args is not None else None
        kw.update(cwd=str(runtime), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                  env={"PATH": "/usr/bin:/bin"})
        return self.launcher.bwrap(cmd, runtime), kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        self.launcher.live.add(self)
        if self._fork is not None:
            process = self.launcher.fork(self._fork)
            if process is not None:
                assert self.provisioner is not None
                self.provisioner.process = process
                self.provisioner.pid, self.provisioner.pgid = process.pid, None
                self._reconcile_connection_info(self.provisioner.connection_info)
                return
            self._way = BWRAP  # the server failed just now: the bwrap command prepared above starts it
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def kill_now(self) -> None:
        """Kill the kernel and its process group at once (the command is being stopped)."""
        process = getattr(self.provisioner, "process", None)
        pgid = getattr(self.provisioner, "pgid", None)
        try:
            if isinstance(process, ForkedProcess):
                pass  # it goes with the fork server, which close() stops next
            elif pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif process is not None:
                process.kill()
        except (OSError, ProcessLookupError):
            pass
        self.launcher.live.discard(self)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.launcher.live.discard(self)
        if not restart and self._way != PLAIN:
            self.launcher.finished(self._runtime)
            self._runtime = None
