"""What the classroom's users run, and what of the repository they may read.

Every user's server, kernels and terminal commands run the course's venv: its Python, its
packages, and `lstmlib`, `datasets/` and `autograder` from this repository (an editable
install). `prepare` checks, as one of the classroom's users, that they can:

- the repository's `lstmlib`, `datasets` and `autograder` and the venv's packages must be
  readable by every user; where they are not (a repository inside a private home), it stops
  and says which folder blocks and how to fix it;
- the venv's Python must run for them. A venv made from a Python inside a private home (pyenv
  in /root, mode 0700) does not: then the users get a copy of the interpreter and the venv
  that they can run, CLASSROOM/runtime/ (`interpreter.py`), checked as a user once made.

`protect_repository` closes the other side: the repository is readable by every user, and
holds the reference solutions with their hidden tests (`solutions/`, and `tests/`, `.git`, the
demo class, grading outputs): those folders become readable only by root and the staff group
(the instructor), since `lstm-course grade`, run by the instructor, reads `solutions/`.
"""
from __future__ import annotations

import os
import platform
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..course import REPO, CourseError
from . import interpreter
from .layout import Classroom
from .users import as_user, user_env

# Folders of the repository a student must not read (the first two hold the hidden tests).
PRIVATE = ("solutions", "tests", ".git", "autograder/demo", "demo-out", "test-artifacts", "benchmarks",
           ".pytest_cache", "out", "run-out")


@dataclass(frozen=True)
class Runtime:
    venv: Path
    note: str = ""  # said once at start, when the users run a copy of the venv

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def _as(user: str, cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(as_user(user) + cmd, env=user_env(user, "/usr/local/bin:/usr/bin:/bin"), cwd="/",
                          capture_output=True, text=True, timeout=300)


def _blocker(path: Path) -> str:
    """The first folder on the way to `path` that other users cannot pass, with its mode."""
    for p in [*reversed(path.parents), path]:
        try:
            mode = p.stat().st_mode
        except OSError:
            break
        if p.is_dir() and not mode & stat.S_IXOTH:
            return f"{p} (mode {stat.S_IMODE(mode):04o})"
    return str(path)


def _site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def prepare(room: Classroom, probe: str) -> Runtime:
    """The venv the users run (checked as the user `probe`)."""
    venv = Path(sys.prefix)
    needed = [REPO / "lstmlib", REPO / "datasets", REPO / "autograder", _site_packages(venv)]
    script = 'for p; do [ -r "$p" ] && [ -x "$p" ] || echo "$p"; done'
    blocked = _as(probe, ["/bin/sh", "-c", script, "sh", *map(str, needed)]).stdout.split()
    if blocked:
        raise CourseError(f"the classroom's users cannot read {blocked[0]}: {_blocker(Path(blocked[0]))} blocks them. "
                          f"Their servers import lstmlib and run the venv from this repository; put the repository "
                          f"where every user can read it (e.g. /srv/lstm-course, then `make setup` there), or let "
                          f"them pass through that folder: `chmod o+x` on it (they can then reach, not list, it)")
    python = venv / "bin" / "python"
    if _as(probe, [str(python), "-c", "pass"]).returncode == 0:
        return Runtime(venv)
    real = Path(os.path.realpath(python))
    view = interpreter.build(venv, Path(sys.base_prefix), room.runtime)
    r = _as(probe, [str(view / "bin" / "python"), "-c", "import platform, sys; print(platform.python_version(), "
                                                        "sys.base_prefix)"])
    if r.returncode != 0 or r.stdout.split() != [platform.python_version(), str(room.runtime / "python")]:
        raise CourseError(f"the classroom's users cannot run the course's Python {real} ({_blocker(real)} blocks "
                          f"them), nor the copy of it made for them in {room.runtime} ({(r.stderr or r.stdout).strip()[-200:]}): "
                          f"make the venv with a Python every user can run, e.g. `make clean setup "
                          f"PYTHON=/usr/bin/python3.11`")
    return Runtime(view, note=(
        f"note: the course's venv runs {real}, which the classroom's users cannot run ({_blocker(real)} blocks "
        f"them); they run a copy of it and of the venv, {room.runtime} (hard links to the same files, rebuilt when "
        f"the venv changes). To have them run the venv itself, make it with a Python every user can run: "
        f"`make clean setup PYTHON=/usr/bin/python3.11`."))


def protect_repository(staff_gid: int) -> list[str]:
    """The repository's instructor-only folders, readable by root and the staff group only
    (their files keep their modes: a folder that others cannot enter hides them)."""
    done = []
    for rel in PRIVATE:
        p = REPO / rel
        if p.is_dir() and not p.is_symlink():
            mode = stat.S_IMODE(p.stat().st_mode)
            os.chown(p, -1, staff_gid)
            os.chmod(p, (mode & 0o7700) | 0o050)
            done.append(rel)
    return done
