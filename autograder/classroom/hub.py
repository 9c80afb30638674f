"""`lstm-course hub`: set the classroom up, start JupyterHub behind configurable-http-proxy,
print the address and the demo logins, and stop all of it on Ctrl-C or SIGTERM.

The hub runs as root (it starts each user's server as that user); its output and the users'
servers' go to CLASSROOM/hub/jupyterhub.log, the terminal gets only this command's lines.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .. import lifecycle
from ..course import REPO, CourseError
from . import folders, hubconfig, procs, runtime, users
from .layout import STAFF_GROUP, Classroom

ROOT_NEEDED = ("`lstm-course hub` must run as root: it creates the classroom's Unix users (useradd) and sets their "
               "demo passwords (chpasswd), starts each user's server as that user, and the hub checks passwords "
               "with PAM, which only root can do for other users. Run it as root: `sudo make hub`, or "
               "`sudo .venv/bin/lstm-course hub`")


def check_can_run(hub: bool = True) -> None:
    """Everything the classroom needs of this machine, all problems at once (before any
    change); without `hub` (--setup-only), what the set-up alone needs."""
    if os.geteuid() != 0:
        raise CourseError(ROOT_NEEDED)
    problems = []
    missing = users.missing_tools()
    if missing:
        problems.append(f"missing commands: {', '.join(missing)} (Debian: apt-get install passwd util-linux)")
    if not hub:
        if problems:
            raise CourseError("; ".join(problems))
        return
    if importlib.util.find_spec("jupyterhub") is None:
        problems.append("JupyterHub is not installed in the course's venv: run `make setup` (or "
                        "`pip install -c constraints.txt -e '.[hub]'`)")
    if importlib.util.find_spec("pamela") is None or not Path("/etc/pam.d/login").exists():
        problems.append("PAM is not usable (the pamela package, /etc/pam.d/login): the hub checks passwords with it")
    if not shutil.which("node"):
        problems.append("Node.js is not installed (configurable-http-proxy runs on it): apt-get install nodejs npm")
    elif not os.access(hubconfig.PROXY, os.X_OK):
        problems.append(f"configurable-http-proxy is not installed in {REPO / 'node_modules'}: run `make hub` "
                        f"(it installs it from package-lock.json with npm ci)")
    if problems:
        raise CourseError("; ".join(problems))


def _free(ip: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def _any_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _claim(room: Classroom) -> None:
    """One hub per classroom: a second one would share its database and exchange."""
    pidfile = room.hub / "lstm-course-hub.pid"
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, 0)
        if pid != os.getpid():
            raise CourseError(f"the classroom in {room.root} is already served by `lstm-course hub` (pid {pid}); "
                              f"stop it first (Ctrl-C there, or kill {pid})")
    except (OSError, ValueError):
        pass
    pidfile.write_text(str(os.getpid()))


def setup(room: Classroom, hub: bool = True) -> tuple[runtime.Runtime, dict[str, str], list[str]]:
    """Users, passwords, what they run, the folders: everything but the hub itself."""
    check_can_run(hub)
    room.root.mkdir(parents=True, exist_ok=True)
    os.chmod(room.root, 0o755)
    room.hub.mkdir(parents=True, exist_ok=True)
    os.chmod(room.hub, 0o700)
    users.ensure(room)
    logins = users.demo_passwords(room)
    rt = runtime.prepare(room, probe=room.instructor)
    protected = runtime.protect_repository(users.ensure_group(STAFF_GROUP))
    folders.prepare(room, rt)
    return rt, logins, protected


def _banner(room: Classroom, logins: dict[str, str], url: str | None) -> str:
    width = max(map(len, room.users))
    lines = [f"classroom: {room.root} (hub state, exchange, course folder)"]
    if url:
        lines.append(f"JupyterHub at {url}  (log: {room.log})")
    for name in room.users:
        lines.append(f"  {room.role(name):<10}  {name:<{width}}  password: {logins[name]}")
    lines.append(f"The instructor's server opens the course folder {room.course}; the formgrader opens in a tab of "
                 f"its own" + (f": {url.replace('hub/login', '')}user/{room.instructor}/formgrader" if url else "")
                 + " (JupyterHub keeps Lab's Formgrader panel blank: it forbids framing a server).")
    return "\n".join(lines)


def _wait_ready(hub: subprocess.Popen, url: str, room: Classroom, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise CourseError(f"JupyterHub exited with {hub.returncode} while starting; the end of its log "
                              f"({room.log}):\n{_tail(room.log)}")
        try:
            with urllib.request.urlopen(f"{url}hub/api/", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise CourseError(f"JupyterHub did not answer at {url} within {timeout:.0f} s; its log: {room.log}")


SERVED = "served"  # the grading service's --out inside the course folder


def start_service(room: Classroom, env: dict[str, str]) -> tuple[subprocess.Popen | None, str]:
    """`lstm-course serve` on the classroom's exchange, as root (its sandbox runs each student's
    code as an unprivileged uid of its own): each submission is graded as it arrives and its
    feedback released at once. Not started, with the reason, where the sandbox cannot run."""
    from ..sandbox.policy import available
    why = available()
    if why:
        return None, (f"grading service: not started, student code is only graded in the sandbox ({why}); the "
                      f"instructor grades with `lstm-course grade` instead")
    out = room.course / SERVED
    out.mkdir(mode=0o755, exist_ok=True)
    log = room.hub / "serve.log"
    cmd = [str(Path(sys.executable).parent / "lstm-course"), "serve", "--exchange", str(room.exchange),
           "--out", str(out), "--course-dir", str(room.course)]
    with open(log, "a") as f:
        f.write(f"\n---- lstm-course hub: starting the grading service ({time.strftime('%Y-%m-%d %H:%M:%S')}) ----\n")
        f.flush()
        proc = subprocess.Popen(cmd, cwd=room.hub, env=env, stdin=subprocess.DEVNULL, stdout=f,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=procs.die_with_parent)
    return proc, (f"grading service: each submission is graded as it arrives and its feedback released at once "
                  f"(Fetch Feedback in the Assignment List); grades in {out}, log {log}; "
                  f"status: {Path(sys.executable).parent / 'lstm-course'} serve --out {out} --status")


def stop_service(proc: subprocess.Popen | None, grace: float = 15.0) -> None:
    """SIGTERM, as Ctrl-C would: it stops its workers and kernels and keeps its queue."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def run(root: Path, *, port: int, instructor: str, students: list[str], ip: str = "127.0.0.1",
        setup_only: bool = False, serve: bool = True) -> int:
    room = Classroom(Path(root).resolve(), instructor, tuple(students))
    if not setup_only and os.geteuid() == 0:
        if not _free(ip, port):
            raise CourseError(f"port {port} of {ip} is in use: choose another with --port")
        room.hub.mkdir(parents=True, exist_ok=True)
        _claim(room)
    rt, logins, protected = setup(room, hub=not setup_only)
    if rt.note:
        print(rt.note)
    if protected:
        print(f"the repository's instructor-only folders ({', '.join(protected)}) are readable by root and the "
              f"group {STAFF_GROUP} (the instructor) only")
    if setup_only:
        print(_banner(room, logins, None))
        return 0
    config = hubconfig.write(room, rt, ip, port, _any_port(), _any_port())
    url = f"http://{'127.0.0.1' if ip in ('0.0.0.0', '::', '') else ip}:{port}/"  # where this machine reaches it
    procs.become_subreaper()
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.path.dirname(shutil.which("node")),
                                    "/usr/local/bin:/usr/bin:/bin"]),
           "LANG": os.environ.get("LANG", "C.UTF-8"), "HOME": os.environ.get("HOME", "/root")}
    with open(room.log, "a") as log:
        log.write(f"\n---- lstm-course hub: starting JupyterHub ({time.strftime('%Y-%m-%d %H:%M:%S')}) ----\n")
        log.flush()
        hub = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
                               cwd=room.hub, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, preexec_fn=procs.die_with_parent)
    service = None
    try:
        _wait_ready(hub, url, room)
        print(_banner(room, logins, f"{url}hub/login"))
        if serve:
            service, said = start_service(room, env)
            print(said)
        print("Ctrl-C stops the hub, its proxy" + (", the grading service" if service else "")
              + " and every user's server.", flush=True)
        while hub.poll() is None:
            if service is not None and service.poll() is not None:
                raise CourseError(f"the grading service stopped by itself (exit {service.returncode}); the end of "
                                  f"its log ({room.hub / 'serve.log'}):\n{_tail(room.hub / 'serve.log')}")
            time.sleep(0.5)
        raise CourseError(f"JupyterHub stopped by itself (exit {hub.returncode}); the end of its log ({room.log}):\n"
                          f"{_tail(room.log)}")
    except lifecycle.Interrupted as exc:
        ran = procs.descendants()
        stop_service(service)
        ran.update(procs.stop(hub))
        servers = sum("jupyterhub-singleuser" in cmd for cmd in ran.values())
        raise lifecycle.Interrupted(exc.signum, f"lstm-course hub: stopped JupyterHub, its proxy"
                                                + (", the grading service" if service else "")
                                                + f" and {servers} user server(s) ({len(ran)} processes); the "
                                                  f"classroom stays in {room.root}")
    finally:
        stop_service(service)
        procs.stop(hub)
        try:
            (room.hub / "lstm-course-hub.pid").unlink()
        except OSError:
            pass
