"""Sandboxed kernels for grading: each notebook's kernel runs inside bubblewrap.

What a student's code can see and do inside (DESIGN.md, issue #9):
- no network: a private network namespace; the kernel talks to the grader over unix sockets
  (ZeroMQ `ipc` transport) in a private folder;
- a read-only system: /usr, the Python installation, the course's venv, `lstmlib/` and
  `datasets/`; not `solutions/`, `autograder/`, the gradebook, other submissions or any home;
- a private, writable copy of its working folder, a private /tmp (size-limited) and HOME;
- limits (prlimit): address space, processes, open files, file size, CPU seconds, no core dumps;
- its own PID namespace: when the kernel goes, every process it started goes with it;
- as root, it runs as an unprivileged user (a uid of its own per grading worker), so that the
  process limit holds;
- its stdout/stderr descriptors go to /dev/null, so writing to fd 1 cannot flood the grader.

SIGINT cannot reach a kernel behind bwrap, so interrupts are sent as messages.

Grading workers fork their kernels from a fork server (`ForkServer`, autograder/zygote.py):
one process per worker, inside a sandbox of the same view, that has imported numpy, torch,
matplotlib, lstmlib and ipykernel once; each kernel forked from it gets namespaces, a fresh
/tmp and HOME, its working copy, the limits and an unprivileged identity of its own before any
student code runs, so it is as closed as a kernel started by bwrap, and ~2 s of CPU cheaper.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

from .config import REPO

BWRAP = "bwrap"
INSTALL_HINT = ("bubblewrap is needed to grade safely: install it with `sudo apt-get install bubblewrap` "
                "(Debian/Ubuntu) or `sudo dnf install bubblewrap`; or grade without a sandbox with "
                "--no-sandbox (student code then runs with your permissions)")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * 1024**3     # address space of each process in the sandbox
    processes: int = 256                # per sandbox user (threads count too)
    open_files: int = 256
    file_bytes: int = 64 * 1024**2      # largest file it may write
    cpu_seconds: int = 600              # CPU time of the kernel process
    tmp_bytes: int = 256 * 1024**2      # size of its private /tmp


def available() -> str | None:
    """None when bubblewrap works here, else the reason it does not."""
    exe = shutil.which(BWRAP)
    if not exe:
        return "bubblewrap (bwrap) is not installed"
    try:
        r = subprocess.run([exe, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                           capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot run: {exc}"
    if r.returncode != 0:
        return f"bwrap cannot create namespaces here: {r.stderr.decode(errors='replace').strip()[:200]}"
    return None


def sandbox_uid() -> int | None:
    """The unprivileged uid kernels run as when we are root (one per worker process)."""
    if os.geteuid() != 0:
        return None
    return 200000 + os.getpid() % 50000


HOME = "/home/student"  # a kernel's HOME inside the sandbox; its working folder is HOME/work


def readonly_paths() -> list[str]:
    """What a sandboxed kernel sees, read-only: the system, Python, the venv, lstmlib, datasets."""
    ro = ["/usr", sys.base_prefix, sys.prefix, str(REPO / "lstmlib"), str(REPO / "datasets")]
    return [p for p in dict.fromkeys(ro) if Path(p).exists()]


def bwrap_command(cmd: list[str], *, workdir: Path, runtime: Path, limits: Limits, uid: int | None,
                  env: dict[str, str], server: bool = False) -> list[str]:
    """`cmd` wrapped in setpriv (as root) + bwrap + prlimit.

    `server`: the sandbox of a worker's fork server (ForkServer): the same view, but it keeps
    the capabilities it needs to give each forked kernel namespaces of its own and then drop
    to `uid` (the limits and the identity are applied per kernel, by autograder/zygote.py)."""
    home = HOME
    ro = readonly_paths()
    if uid is None:   # an ordinary user: bwrap makes a user namespace itself
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-all"]
        if server:
            args += ["--cap-add", "CAP_SYS_ADMIN"]
    else:             # root: new namespaces but no user namespace, then drop to `uid` inside
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        if server:
            args += ["--cap-add", "CAP_SYS_ADMIN"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    # private /tmp and HOME first: the binds below may lie under them (a course kept in /tmp)
    args += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", home]
    parents = sorted({str(a) for p in ro for a in Path(p).parents if str(a) != "/"}, key=len)
    for d in parents:  # traversable, whatever the host's modes (e.g. /root is 0700)
        args += ["--perms", "0755", "--dir", d]
    for path in ro:
        args += ["--ro-bind", path, path]
    for link, target in [("/bin", "usr/bin"), ("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin")]:
        if Path(link).is_symlink():
            args += ["--symlink", target, link]
        elif Path(link).exists():
            args += ["--ro-bind", link, link]
    for f in ["/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group"]:
        if Path(f).exists():
            args += ["--ro-bind", f, f]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--bind", str(workdir), f"{home}/work",
             "--bind", str(runtime), str(runtime),
             "--chdir", f"{home}/work"]
    for k, v in {**env, "HOME": home, "MPLCONFIGDIR": "/tmp/mpl", "TMPDIR": "/tmp"}.items():
        args += ["--setenv", k, v]
    if server:
        return args + ["--", *cmd]
    nproc = nproc_limit(limits, uid)
    args += ["--", shutil.which("prlimit") or "prlimit",
             f"--as={limits.memory_bytes}", f"--nproc={nproc}", f"--nofile={limits.open_files}",
             f"--fsize={limits.file_bytes}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
    if uid is not None:
        args += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--"]
    args += cmd
    return args


def nproc_limit(limits: Limits, uid: int | None) -> int:
    """RLIMIT_NPROC for a sandbox: per uid, so as an ordinary user (no uid of its own) the
    user's own processes count too."""
    return limits.processes if uid is not None else limits.processes + _processes_of(os.getuid())


def fork_limits(limits: Limits, uid: int | None) -> dict:
    """The limits of a kernel or process forked by the fork server (autograder/zygote.py)."""
    return {**limits.__dict__, "processes": nproc_limit(limits, uid)}


def _processes_of(uid: int) -> int:
    """How many processes (and threads) `uid` runs now (RLIMIT_NPROC counts them all)."""
    n = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                threads = next((int(ln.split()[1]) for ln in text.splitlines() if ln.startswith("Threads:")), 1)
                n += threads
                break
    return n


# Environment variables a kernel may keep (nothing of the grader's own settings or secrets).
KEEP_ENV = ["LSTM_COURSE_MODE", "MPLBACKEND", "LANG", "LC_ALL", "TZ", "PYTHONHASHSEED"]


def kernel_env(threads: int = 1) -> dict[str, str]:
    """The environment of a sandboxed kernel: what it may keep of ours, one BLAS thread."""
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    env.update({"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "OMP_NUM_THREADS": str(threads),
                "MKL_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)})
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # this machine's OpenBLAS safety settings
        if k in os.environ:
            env[k] = os.environ[k]
    return env


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


class ForkingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is forked by the worker's fork server (`ForkServer`) when
    one runs, and started the usual way otherwise (or when the server cannot)."""

    _fork: "tuple[ForkServer, dict] | None" = None
    _runtime: "Path | None" = None

    async def _async_pre_start_kernel(self, **kw):
        server = ForkServer.usable(sandbox=False)
        if server is None:
            self._fork = None
            return await super()._async_pre_start_kernel(**kw)
        self._runtime = Path(tempfile.mkdtemp(prefix="lstm-k-", dir=server.root))
        self.transport = "ipc"
        self.ip = str(self._runtime / "kernel")
        self.connection_file = str(self._runtime / "kernel.json")
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        args = launcher_args(cmd)
        cwd = kw.get("cwd") or os.getcwd()
        self._fork = None if args is None else (server, {
            "op": "spawn", "dir": str(self._runtime), "cwd": str(cwd), "argv": args, "uid": None,
            "limits": dict.fromkeys(("memory_bytes", "processes", "open_files", "file_bytes", "cpu_seconds",
                                     "tmp_bytes"))})
        return cmd, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._fork is not None:
            server, request = self._fork
            process = server.spawn(request)
            if process is not None:
                assert self.provisioner is not None
                self.provisioner.process = process
                self.provisioner.pid, self.provisioner.pgid = process.pid, None
                self._reconcile_connection_info(self.provisioner.connection_info)
                return
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._runtime is not None and not restart:
            shutil.rmtree(self._runtime, ignore_errors=True)


class SandboxedKernelManager(ForkingKernelManager):
    """A kernel manager that starts its kernel inside bubblewrap (see the module docstring)."""

    memory_bytes = Integer(Limits.memory_bytes, config=True)
    processes = Integer(Limits.processes, config=True)
    open_files = Integer(Limits.open_files, config=True)
    file_bytes = Integer(Limits.file_bytes, config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, config=True)
    tmp_bytes = Integer(Limits.tmp_bytes, config=True)
    threads = Integer(1, config=True, help="OMP/MKL threads per kernel (parallel workers share the cores)")
    run_as_other_user = Bool(True, config=True, help="as root, run the kernel as an unprivileged uid")

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # SIGINT does not cross bwrap
        return spec

    def limits(self) -> Limits:
        return Limits(self.memory_bytes, self.processes, self.open_files, self.file_bytes, self.cpu_seconds,
                      self.tmp_bytes)

    async def _async_pre_start_kernel(self, **kw):
        server = ForkServer.usable(sandbox=True)
        self._runtime = Path(tempfile.mkdtemp(prefix="lstm-sbx-", dir=server.root if server else None))
        self.transport = "ipc"
        self.ip = str(self._runtime / "kernel")
        self.connection_file = str(self._runtime / "kernel.json")
        cmd, kw = await AsyncKernelManager._async_pre_start_kernel(self, **kw)
        uid = sandbox_uid() if self.run_as_other_user else None
        workdir = self._runtime / "work"
        cwd = kw.pop("cwd", None)
        if cwd and Path(cwd).is_dir():
            # the kernel's private working copy of its folder (an assignment folder: small)
            shutil.copytree(cwd, workdir, symlinks=False,
                            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", ".git", ".venv", "__pycache__"))
        else:
            workdir.mkdir()
        if uid is not None:
            for p in [self._runtime, *self._runtime.rglob("*")]:
                os.chown(p, uid, uid, follow_symlinks=False)
        env = kernel_env(self.threads)
        limits = self.limits()
        args = launcher_args(cmd)
        self._fork = None
        if server is not None and args is not None:
            self._fork = (server, {"op": "spawn", "dir": str(self._runtime), "argv": args, "uid": uid,
                                   "limits": fork_limits(limits, uid), "env": env})
        cmd = bwrap_command(cmd, workdir=workdir, runtime=self._runtime, limits=limits, uid=uid, env=env)
        kw["cwd"] = str(self._runtime)
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        kw["env"] = {"PATH": "/usr/bin:/bin"}
        return cmd, kw


# --------------------------------------------------------------------------- nbgrader side

from nbclient.util import run_sync  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402


class CappedExecute(Execute):
    """nbgrader's Execute with a per-cell output budget: a flood of prints or images stops
    being stored once a cell has produced `max_output_bytes` (errors are always kept, and
    nbgrader re-adds the error of the execute reply in any case)."""

    max_output_bytes = Integer(2_000_000, config=True, help="bytes of output kept per cell")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", ForkingKernelManager)  # forked when a fork server runs
        super().__init__(*args, **kwargs)

    def output(self, outs, msg, display_id, cell_index):
        kind = msg.get("msg_type")
        if kind in ("stream", "display_data", "execute_result", "update_display_data"):
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            used = getattr(self, "_used", {})
            self._used = used
            total = used.get(cell_index, 0) + size
            used[cell_index] = total
            if total > self.max_output_bytes:
                if total - size <= self.max_output_bytes:
                    outs.append(new_output("stream", name="stdout",
                                           text=f"\n[output truncated by the grader: more than {self.max_output_bytes} bytes]\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)


class SandboxedExecute(CappedExecute):
    """nbgrader's Execute with each kernel in the sandbox. nbgrader 0.9.6 passes its own
    `kernel_manager_class`, ignoring configuration, so the class is set here.

    When the grader has switched on the kernel pool (`KernelPool.enable`), a kernel started
    ahead of time (already in its own fresh sandbox, numpy and matplotlib imported) is taken
    instead of starting one: the next notebook's kernel starts while this one runs."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    async def async_start_new_kernel(self, **kwargs):
        pool = KernelPool.current
        if pool is not None and pool.matches(self.kernel_name, self.config, self.extra_arguments):
            cwd = kwargs.get("cwd") or self.resources.get("metadata", {}).get("path")
            km = pool.take(cwd)
            if km is not None:
                self.km = km  # replaces the manager nbclient made, which started nothing
                return
        await super().async_start_new_kernel(**kwargs)

    # nbconvert's (sync) preprocess calls `start_new_kernel`, which nbclient binds to its own
    # coroutine function at class creation: rebind it to the override above.
    start_new_kernel = run_sync(async_start_new_kernel)


# Run in every pooled kernel before it is handed over: the imports nearly every notebook of
# the course starts with. Silent (no execution count, no history, no output).
PREIMPORT = "import numpy, matplotlib, matplotlib.pyplot, lstmlib, lstmlib.testing, lstmlib.plots\n"


class KernelPool:
    """One sandboxed kernel started ahead of time, per grading worker process (used when the
    fork server is off or cannot start, see `ForkServer`).

    A pooled kernel is used for exactly one notebook, like any other: it is a fresh sandbox
    (its own namespaces, limits and private working folder), started before the grader knows
    which submission it will run. When it is taken, the submission's files (those a kernel
    sees: the folder without notebooks) are copied into its working folder, and the next
    kernel starts in the background while this one is used.

    One long-lived thread starts every pooled kernel: bwrap's `--die-with-parent` kills a
    sandbox when the *thread* that started it ends, so that thread lives as long as the pool
    (a kernel still in use when the pool closes goes with it: close it after grading)."""

    current: "KernelPool | None" = None
    wait_s = 120  # the longest a grader waits for a kernel being started before starting its own

    def __init__(self, config, kernel_name: str = "python3", extra_arguments: list[str] | None = None):
        import threading
        self.config = config
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments or [])
        self._cond = threading.Condition()
        self._ready: SandboxedKernelManager | None = None
        self._starting = True   # the thread is starting the next kernel
        self._closed = False
        self.taken = 0
        self._thread = threading.Thread(target=self._loop, name="kernel-pool", daemon=True)
        self._thread.start()

    @classmethod
    def enable(cls, config, kernel_name: str = "python3") -> "KernelPool":
        import atexit
        extra = list(config.Execute.get("extra_arguments", [])) if "Execute" in config else []
        if cls.current is None:
            cls.current = cls(config, kernel_name, extra)
            atexit.register(cls.disable)
        return cls.current

    @classmethod
    def disable(cls) -> None:
        pool, cls.current = cls.current, None
        if pool is not None:
            pool.close()

    def matches(self, kernel_name: str, config, extra_arguments) -> bool:
        """Whether a pooled kernel is what the caller would start: the same kernel, arguments
        and sandbox settings (limits), so taking it changes nothing but the waiting."""
        return (not self._closed and kernel_name in ("", self.kernel_name)
                and _sandbox_settings(config) == _sandbox_settings(self.config)
                and [a for a in extra_arguments if not a.startswith("--HistoryManager")]
                == [a for a in self.extra_arguments if not a.startswith("--HistoryManager")])

    def _loop(self) -> None:
        while True:
            km = self._start_one()
            with self._cond:
                self._ready, self._starting = km, False
                self._cond.notify_all()
                while not self._closed and not self._starting:  # until taken (or closed)
                    self._cond.wait()
                if self._closed:
                    km, self._ready = self._ready, None
                    break
        if km is not None:
            _shutdown(km)

    def _start_one(self) -> "SandboxedKernelManager | None":
        import asyncio
        km = SandboxedKernelManager(kernel_name=self.kernel_name, config=self.config)
        try:
            asyncio.run(km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:", *[
                a for a in self.extra_arguments if not a.startswith("--HistoryManager")]]))
            kc = km.blocking_client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                msg_id = kc.execute(PREIMPORT, silent=True, store_history=False)
                while True:  # until the kernel is idle again after the imports
                    msg = kc.get_iopub_msg(timeout=60)
                    if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                            and msg["content"]["execution_state"] == "idle"):
                        break
            finally:
                kc.stop_channels()
        except Exception:
            _shutdown(km)
            return None
        return km

    def take(self, cwd: str | None) -> "SandboxedKernelManager | None":
        """The pooled kernel, with the files of `cwd` in its working folder (None when the
        pool has none that works: the caller starts a kernel the usual way)."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or not self._starting, timeout=self.wait_s)
            if self._closed or self._starting:
                return None
            km, self._ready, self._starting = self._ready, None, True
            self._cond.notify_all()  # start the next one
        if km is None:
            return None
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:  # it died while waiting
            _shutdown_in_thread(km)
            return None
        workdir = km._runtime / "work"
        if cwd and Path(cwd).is_dir():
            shutil.copytree(cwd, workdir, symlinks=False, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", ".git", ".venv", "__pycache__"))
            uid = sandbox_uid() if km.run_as_other_user else None
            if uid is not None:
                for p in [workdir, *workdir.rglob("*")]:
                    os.chown(p, uid, uid, follow_symlinks=False)
        self.taken += 1
        return km

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=60)


def _sandbox_settings(config) -> dict:
    return dict(config["SandboxedKernelManager"]) if "SandboxedKernelManager" in config else {}


def _shutdown_in_thread(km) -> None:
    """`_shutdown` from code that may run inside an event loop (nbclient's)."""
    import threading
    t = threading.Thread(target=_shutdown, args=(km,), daemon=True)
    t.start()
    t.join(timeout=30)


def _shutdown(km) -> None:
    import asyncio
    try:
        asyncio.run(km.shutdown_kernel(now=True))
    except Exception:
        pass
    try:
        asyncio.run(km.cleanup_resources())
    except Exception:
        pass


# --------------------------------------------------------------------------- fork server

# What the fork server imports once, before it forks any kernel: what the course's notebooks
# start with (a module that is not installed is skipped).
PRELOAD = ["numpy", "numpy.random", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "torch", "torch.nn", "lstmlib", "lstmlib.testing", "lstmlib.plots", "lstmlib.widgets", "lstmlib.train",
           # what a kernel imports while it starts (measured: sys.modules of a forked kernel)
           "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "debugpy.server.api", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
           "IPython.extensions.storemagic", "tornado.queues", "tornado.platform.asyncio", "sqlite3", "http.server"]


def use_fork_server() -> bool:
    """Whether grading workers fork their kernels from a fork server (default: yes);
    LSTM_COURSE_FORKSERVER=0 starts every kernel as a fresh process instead."""
    return os.environ.get("LSTM_COURSE_FORKSERVER", "1") != "0"


class ForkedProcess:
    """The Popen-like handle jupyter_client's provisioner holds for a kernel forked by the
    fork server: poll, wait and kill go through the server (the kernel is its child)."""

    stdin = stdout = stderr = None

    def __init__(self, server: "ForkServer", pid: int):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            reply = self.server.request({"op": "poll", "pid": self.pid})
            if reply is None:  # the server has gone, and its kernels with it
                self.returncode = -9
            elif reply.get("status") is not None:
                self.returncode = int(reply["status"])
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Any signal ends the kernel (SIGINT never reaches a sandboxed kernel: interrupts are
        messages), with everything it started."""
        if self.poll() is None:
            self.server.request({"op": "kill", "pid": self.pid})

    def kill(self) -> None:
        self.send_signal(9)

    def terminate(self) -> None:
        self.send_signal(15)


class ForkServer:
    """A grading worker's fork server: one long-lived process (autograder/zygote.py), inside a
    sandbox of the same view as a kernel's when grading is sandboxed, that imports numpy,
    matplotlib, torch, lstmlib and ipykernel once and forks each notebook's kernel from there.

    A forked kernel is a fresh sandbox of its own: its own mount, PID and IPC namespaces, a
    fresh /tmp and HOME, its private copy of the submission's folder, the limits, an
    unprivileged uid (as root) and no capabilities; see autograder/zygote.py. When the server
    cannot start or stops answering, kernels start the usual way (nothing is lost but time).

    Started by the thread that will live as long as it (bwrap's --die-with-parent follows the
    starting thread): the worker process's main thread."""

    current: "ForkServer | None" = None
    start_timeout = 120
    reply_timeout = 60

    def __init__(self, sandbox: bool):
        import json
        import threading
        self.sandbox = sandbox
        self.broken = False
        self.spawned = 0
        self._lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="lstm-fork-"))
        os.chmod(self.root, 0o755)
        settings = {"sandbox": sandbox, "root": str(self.root), "home": HOME, "preimport": PRELOAD,
                    "readonly": readonly_paths()}
        cmd = [sys.executable, "-c", (Path(__file__).parent / "zygote.py").read_text(), json.dumps(settings)]
        if sandbox:
            idle = self.root / ".server"
            idle.mkdir()
            cmd = bwrap_command(cmd, workdir=idle, runtime=self.root, limits=Limits(), uid=sandbox_uid(),
                                env=kernel_env(), server=True)
            env = {"PATH": "/usr/bin:/bin"}
        else:
            env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=self.root, env=env)
        ready = self._reply(self.start_timeout)
        if not ready or not ready.get("ready"):
            self.close()
            raise RuntimeError("the fork server did not start")

    @classmethod
    def enable(cls, sandbox: bool) -> "ForkServer | None":
        """Start this process's fork server (None, with the reason on stderr, when it cannot)."""
        import atexit
        if cls.current is not None and cls.current.sandbox == sandbox and not cls.current.broken:
            return cls.current
        cls.disable()
        try:
            cls.current = cls(sandbox)
        except Exception as exc:  # grading goes on, starting kernels the usual way
            print(f"lstm-course: no fork server ({type(exc).__name__}: {exc}); kernels start one by one",
                  file=sys.stderr)
            return None
        atexit.register(cls.disable)
        return cls.current

    @classmethod
    def disable(cls) -> None:
        server, cls.current = cls.current, None
        if server is not None:
            server.close()

    @classmethod
    def usable(cls, sandbox: bool) -> "ForkServer | None":
        server = cls.current
        if server is None or server.broken or server.sandbox != sandbox or server.proc.poll() is not None:
            return None
        return server

    def _reply(self, timeout: float) -> dict | None:
        import json
        import select
        out = self.proc.stdout
        assert out is not None
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return None
        line = out.readline()
        if not line:
            return None
        return json.loads(line)

    def request(self, req: dict) -> dict | None:
        """One request and its reply; None (and the server counts as broken) on any failure."""
        import json
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
        """Fork a kernel (or, with op "run", a plain program); None when the server cannot."""
        reply = self.request(req)
        if not reply or "pid" not in reply:
            return None
        self.spawned += 1
        return ForkedProcess(self, int(reply["pid"]))

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)
