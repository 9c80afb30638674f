"""Helpers for the classroom tests (tests/test_hub.py, tests/test_hub_isolation.py): a classroom
and commands run as its Unix users, the `lstm-course hub` command as a process, and the
processes it leaves (none, it must).

Commands run as a user go through `autograder.classroom.users.as_user`: setpriv to the
user's uid and groups, then a shell that execs the command, so that nothing of root's
rights is left when the command starts.
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from conftest import BIN, REPO

from autograder.classroom.users import as_user, is_ours, remove, user_env


def uid_processes(uids: set[int]) -> dict[int, str]:
    """pid -> "uid cmdline" of the live processes of these uids."""
    out = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            uid = int(next(ln.split()[1] for ln in text.splitlines() if ln.startswith("Uid:")))
            state = next(ln.split()[1] for ln in text.splitlines() if ln.startswith("State:"))
        except (OSError, StopIteration, ValueError):
            continue
        if uid in uids and state != "Z":
            cmd = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
            out[int(status.parent.name)] = f"{uid} {cmd}"
    return out


def tree(pid: int) -> dict[int, tuple[str, str]]:
    """The live process `pid` and its descendants: pid -> (start time, command line)."""
    kids: dict[int, list[int]] = {}
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == "Z":
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        stats[int(stat.parent.name)] = fields[19]
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        if p not in stats:
            continue
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
        except OSError:
            continue
        out[p] = (stats[p], cmd)
        todo += kids.get(p, [])
    return out


def still_running(before: dict[int, tuple[str, str]]) -> dict[int, str]:
    """Those of `before` that still run (the same process: same pid and start time)."""
    left = {}
    for pid, (start, cmd) in before.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[19] == start and fields[0] != "Z":
            left[pid] = cmd
    return left


def remove_users(names) -> None:
    """Kill the processes of the classroom's users of these names, then delete the users."""
    uids = {pwd.getpwnam(n).pw_uid for n in names if is_ours(n)}
    for _ in range(3):
        for pid in uid_processes(uids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
    for n in names:
        remove(n)


class Room:
    """A classroom folder, and commands run as its users."""

    def __init__(self, root: Path, instructor: str):
        self.root, self.instructor = root, instructor
        runtime = root / "runtime" / "venv" / "bin"
        self.bin = runtime if runtime.exists() else BIN
        self.course = root / "course"
        self.exchange = root / "exchange" / "lstm-course"
        self.log: dict[str, str] = {}

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def run(self, user: str, cmd: list[str], cwd: Path | None = None, input: str | None = None,
            timeout: float = 1200) -> subprocess.CompletedProcess:
        role = "instructor" if user == self.instructor else "student"
        env = user_env(user, f"{self.bin}:/usr/bin:/bin", JUPYTER_CONFIG_PATH=str(self.root / "config" / role))
        return subprocess.run(as_user(user) + cmd, cwd=cwd or self.home(user), env=env, capture_output=True,
                              text=True, timeout=timeout, input=input)

    def ok(self, user: str, cmd: list[str], cwd: Path | None = None, input: str | None = None) -> str:
        r = self.run(user, cmd, cwd, input)
        assert r.returncode == 0, f"as {user}: {' '.join(cmd)} failed ({r.returncode}):\n{(r.stdout + r.stderr)[-3000:]}"
        return r.stdout + r.stderr

    def nbgrader(self, user: str, *args: str, cwd: Path | None = None) -> str:
        return self.ok(user, [str(self.bin / "nbgrader"), *args], cwd)

    def write(self, user: str, path: Path, text: str) -> None:
        """Write a file as `user` (the text through stdin)."""
        self.ok(user, [str(self.bin / "python"), "-c", "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())",
                       str(path)], input=text)

    def sh(self, user: str, script: str) -> subprocess.CompletedProcess:
        return self.run(user, ["/bin/sh", "-c", script], cwd=Path("/"))

    def denied(self, user: str, script: str, what: str) -> None:
        r = self.sh(user, script)
        out = r.stdout + r.stderr
        assert r.returncode != 0 and ("Permission denied" in out or "Operation not permitted" in out), \
            f"{user} could {what}: `{script}` exited {r.returncode}:\n{out[-1500:]}"

    def inbound(self, owner: str, named: str | None = None) -> list[Path]:
        """The submission folders in the exchange written by `owner` (naming `named`), oldest first."""
        uid = pwd.getpwnam(owner).pw_uid
        return sorted((p for p in (self.exchange / "inbound").iterdir()
                       if p.stat().st_uid == uid and p.name.startswith(f"{named or owner}+")),
                      key=lambda p: p.name.split("+")[2])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Run argv[1:] with SIGINT's default action (a background shell starts its jobs with it ignored).
DEFAULT_SIGINT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"


@dataclass
class HubCommand:
    """`lstm-course hub` run as a terminal would run it: its own process group, so that a
    Ctrl-C can be sent to the group as a terminal sends it."""
    root: Path
    instructor: str
    students: list[str]
    logs: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    url: str = ""
    starts: int = 0

    def start(self, timeout: float = 1200, via_make: bool = False) -> str:
        """Start it (`make hub HUB_ARGS=...` with `via_make`); returns what it printed."""
        self.starts += 1
        out, err = self.logs / f"hub-{self.starts}.out", self.logs / f"hub-{self.starts}.err"
        args = ["--dir", str(self.root), "--port", str(self.port), "--instructor", self.instructor,
                "--students", *self.students]
        cmd = ["make", "--no-print-directory", "hub", f"HUB_ARGS={' '.join(args)}"] if via_make \
            else [str(BIN / "lstm-course"), "hub", *args]
        with open(out, "w") as o, open(err, "w") as e:
            # as from a terminal: Ctrl-C's signal not ignored, even where this suite was started
            # in the background of a script (which ignores SIGINT, and its children with it)
            self.proc = subprocess.Popen([sys.executable, "-c", DEFAULT_SIGINT, *cmd], cwd=REPO,
                                         stdin=subprocess.DEVNULL, stdout=o, stderr=e, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = out.read_text()
            if "Ctrl-C stops" in text:
                self.url = re.search(r"JupyterHub at (http://127\.0\.0\.1:\d+/)hub/login", text).group(1)
                self.passwords = dict(re.findall(r"^\s+\w+\s+(\S+)\s+password: (\S+)", text, re.M))
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"lstm-course hub exited with {self.proc.returncode}:\n{text}\n{err.read_text()}")
            time.sleep(1)
        raise AssertionError(f"lstm-course hub did not print its address within {timeout:.0f} s:\n{out.read_text()}")

    def stop(self, sig: int, group: bool) -> tuple[int, str, dict[int, tuple[str, str]], float]:
        """Send `sig` (to the process group, as a terminal's Ctrl-C, or to the command alone);
        returns (exit status, stderr, the process tree it had, seconds it took)."""
        before = tree(self.proc.pid)
        t = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"lstm-course hub did not stop within 120 s of signal {sig}")
        took = time.monotonic() - t
        return rc, (self.logs / f"hub-{self.starts}.err").read_text(), before, took

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            for pid in tree(self.proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(30)


def fresh_room(root: Path, users: list[str]) -> None:
    """No classroom of an earlier run left: its users and folder removed."""
    remove_users(users)
    shutil.rmtree(root, ignore_errors=True)
