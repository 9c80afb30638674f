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


def bwrap_command(cmd: list[str], *, workdir: Path, runtime: Path, limits: Limits, uid: int | None,
                  env: dict[str, str]) -> list[str]:
    """`cmd` wrapped in setpriv (as root) + bwrap + prlimit."""
    home = "/home/student"
    ro = ["/usr", sys.base_prefix, sys.prefix, str(REPO / "lstmlib"), str(REPO / "datasets")]
    if uid is None:   # an ordinary user: bwrap makes a user namespace itself
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-all"]
    else:             # root: new namespaces but no user namespace, then drop to `uid` inside
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    # private /tmp and HOME first: the binds below may lie under them (a course kept in /tmp)
    args += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", home]
    ro = [p for p in dict.fromkeys(ro) if Path(p).exists()]
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
    nproc = limits.processes if uid is not None else limits.processes + _processes_of(os.getuid())
    args += ["--", shutil.which("prlimit") or "prlimit",
             f"--as={limits.memory_bytes}", f"--nproc={nproc}", f"--nofile={limits.open_files}",
             f"--fsize={limits.file_bytes}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
    if uid is not None:
        args += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--"]
    args += cmd
    return args


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


class SandboxedKernelManager(AsyncKernelManager):
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
        self._runtime = Path(tempfile.mkdtemp(prefix="lstm-sbx-"))
        self.transport = "ipc"
        self.ip = str(self._runtime / "kernel")
        self.connection_file = str(self._runtime / "kernel.json")
        cmd, kw = await super()._async_pre_start_kernel(**kw)
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
        env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
        env.update({"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "OMP_NUM_THREADS": str(self.threads),
                    "MKL_NUM_THREADS": str(self.threads), "OPENBLAS_NUM_THREADS": str(self.threads)})
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # this machine's OpenBLAS safety settings
            if k in os.environ:
                env[k] = os.environ[k]
        cmd = bwrap_command(cmd, workdir=workdir, runtime=self._runtime, limits=self.limits(), uid=uid, env=env)
        kw["cwd"] = str(self._runtime)
        kw["stdout"] = subprocess.DEVNULL
        kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        kw["env"] = {"PATH": "/usr/bin:/bin"}
        return cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        runtime = getattr(self, "_runtime", None)
        if runtime is not None and not restart:
            shutil.rmtree(runtime, ignore_errors=True)


# --------------------------------------------------------------------------- nbgrader side

from nbclient.util import run_sync  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402


class CappedExecute(Execute):
    """nbgrader's Execute with a per-cell output budget: a flood of prints or images stops
    being stored once a cell has produced `max_output_bytes` (errors are always kept, and
    nbgrader re-adds the error of the execute reply in any case)."""

    max_output_bytes = Integer(2_000_000, config=True, help="bytes of output kept per cell")

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
    """One sandboxed kernel started ahead of time, per grading worker process.

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
