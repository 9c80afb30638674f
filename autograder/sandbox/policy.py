"""The sandbox policy: what a student's code may see and use while it is graded, defined once.

Every way of starting student code (a kernel forked from the fork server, a kernel in its own
bubblewrap process, a crosscheck process) takes its limits, its read-only view, its
environment and its identity from one `Policy`:

- no network (a private network namespace); the kernel talks to the grader over unix
  sockets in a private folder;
- a read-only system: /usr, the Python installation, the course's venv, `lstmlib/` and
  `datasets/`; not `solutions/`, `autograder/`, the gradebook, other submissions or any home;
- a private, writable copy of its working folder, a private /tmp (size-limited) and HOME;
- limits: address space, processes, open files, file size, CPU seconds, no core dumps;
- as root, an unprivileged uid of its own per grading worker (see `identity.py`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..course import REPO
from . import identity

BWRAP = "bwrap"
INSTALL_HINT = ("bubblewrap is needed to grade safely: install it with `sudo apt-get install bubblewrap` "
                "(Debian/Ubuntu) or `sudo dnf install bubblewrap`; or grade without a sandbox with "
                "--no-sandbox (student code then runs with your permissions)")

HOME = "/home/student"  # a kernel's HOME inside the sandbox; its working folder is HOME/work

# Environment variables a kernel keeps from ours (nothing of the grader's own settings or secrets).
KEEP_ENV = ["LANG", "LC_ALL", "TZ", "PYTHONHASHSEED", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]

# What a kernel's working copy of the submission folder leaves out.
NOT_COPIED = ("*.ipynb", ".ipynb_checkpoints", ".git", ".venv", "__pycache__")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * 1024**3     # address space of each process in the sandbox
    processes: int = 256                # per sandbox user (threads count too)
    open_files: int = 256
    file_bytes: int = 64 * 1024**2      # largest file it may write
    cpu_seconds: int = 600              # CPU time of the kernel process
    tmp_bytes: int = 256 * 1024**2      # size of its private /tmp


@dataclass(frozen=True)
class Policy:
    """How student code runs while it is graded. Travels, as an object, from `grade()` to
    every kernel and crosscheck process of a run.

    sandbox:     run it inside bubblewrap (False only with --no-sandbox);
    fork_server: fork sandboxed kernels from a warm fork server (False: one bwrap process each);
    threads:     BLAS/OpenMP threads per kernel (parallel workers share the cores);
    mode:        the lstmlib run mode of the kernels (small training budgets while grading).
    """
    sandbox: bool = True
    fork_server: bool = True
    limits: Limits = field(default_factory=Limits)
    threads: int = 1
    mode: str = "grading"

    def readonly_paths(self) -> list[str]:
        """What a sandboxed kernel sees, read-only: the system, Python, the venv, lstmlib, datasets."""
        ro = ["/usr", sys.base_prefix, sys.prefix, str(REPO / "lstmlib"), str(REPO / "datasets")]
        return [p for p in dict.fromkeys(ro) if Path(p).exists()]

    def kernel_env(self) -> dict[str, str]:
        """The environment of a sandboxed kernel or process: the run mode, a non-interactive
        plotting backend, `threads` BLAS threads, this Python's bin/ first on PATH."""
        env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
        threads = str(self.threads)
        env.update({"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LSTM_COURSE_MODE": self.mode,
                    "MPLBACKEND": "Agg", "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
                    "OPENBLAS_NUM_THREADS": threads})
        return env

    def plain_env(self) -> dict[str, str]:
        """The environment of an unsandboxed kernel (--no-sandbox): ours, with the same run mode,
        backend and threads as a sandboxed one."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_COURSE_")}
        env.update({k: v for k, v in self.kernel_env().items() if k != "PATH"})
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
        return env

    def uid(self) -> int | None:
        """The uid student code runs as in this process's sandboxes (None: not root)."""
        return identity.sandbox_uid() if self.sandbox else None

    def nproc(self, uid: int | None) -> int:
        """RLIMIT_NPROC: counted per uid, so as an ordinary user (no uid of its own) the
        user's own processes count too."""
        return self.limits.processes if uid is not None else self.limits.processes + identity.count(os.getuid())

    def fork_limits(self, uid: int | None) -> dict:
        """The limits the fork server applies to a process it forks (see zygote.py)."""
        return {**asdict(self.limits), "processes": self.nproc(uid)}


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


def working_copy(source: str | Path | None, dest: Path, uid: int | None) -> Path:
    """A kernel's private working folder: a copy of `source` (the submission's folder, without
    notebooks) at `dest`, owned by the sandbox `uid` (as root)."""
    if source and Path(source).is_dir():
        shutil.copytree(source, dest, symlinks=False, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    else:
        dest.mkdir(parents=True, exist_ok=True)
    return dest


def hand_over(folder: Path, uid: int | None) -> None:
    """Give `folder` and everything in it to the sandbox `uid` (nothing to do when not root)."""
    if uid is None:
        return
    for p in [folder, *folder.rglob("*")]:
        os.chown(p, uid, uid, follow_symlinks=False)
