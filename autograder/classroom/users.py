"""The classroom's Unix users: each person is a real user, their server runs as them and PAM
checks their password.

As root, `ensure` creates the users that do not exist yet (`useradd`, marked as the
classroom's in their comment field) and refuses to touch a user of the same name that it did
not create; every home is made private (0700: Debian's useradd makes them 0755 here, and a
student's home holds their notebooks and nbgrader's cache of their submissions, whose secret
names their feedback in the exchange). `demo_passwords` gives each user a demo password, kept
in the hub's folder (root only) so that it stays the same across restarts, and sets it with
`chpasswd`.
"""
from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import subprocess

from ..course import CourseError
from .layout import MARK, STAFF_GROUP, Classroom

TOOLS = ("useradd", "usermod", "userdel", "groupadd", "gpasswd", "chpasswd", "setpriv")


def _run(cmd: list[str], input: str | None = None) -> None:
    r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        shown = cmd[0] if input is not None else " ".join(cmd)  # never echo a password
        raise CourseError(f"`{shown}` failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-300:]}")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if not shutil.which(t)]


def ensure_group(name: str = STAFF_GROUP) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run(["groupadd", name])
        return grp.getgrnam(name).gr_gid


def is_ours(name: str) -> bool:
    try:
        return pwd.getpwnam(name).pw_gecos.split(",")[0] == MARK
    except KeyError:
        return False


def ensure(room: Classroom) -> dict[str, pwd.struct_passwd]:
    """Every user of the classroom, created where missing; the instructor alone in the staff group."""
    ensure_group(STAFF_GROUP)
    out = {}
    for name in room.users:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            _run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--comment", MARK,
                  "--key", "HOME_MODE=0755", name])
            pw = pwd.getpwnam(name)
        else:
            if not is_ours(name):
                raise CourseError(f"a user named {name} exists and was not created by `lstm-course hub` (its comment "
                                  f"is not {MARK!r}): it is left alone; give the classroom other names "
                                  f"(--instructor, --students)")
        members = grp.getgrnam(STAFF_GROUP).gr_mem
        if name == room.instructor and name not in members:
            _run(["usermod", "--append", "--groups", STAFF_GROUP, name])
        elif name != room.instructor and name in members:
            _run(["gpasswd", "--delete", name, STAFF_GROUP])
        if not os.path.isdir(pw.pw_dir):
            raise CourseError(f"the home of {name}, {pw.pw_dir}, does not exist")
        os.chmod(pw.pw_dir, 0o700)  # private: Debian makes homes 0755 (see above)
        out[name] = pwd.getpwnam(name)
    return out


def demo_passwords(room: Classroom) -> dict[str, str]:
    """Each user's demo password (the same across restarts), set with chpasswd."""
    path = room.logins_file
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = {}
    logins = {name: stored.get(name) or secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
              for name in room.users}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({**stored, **logins}, f, indent=1)
    os.replace(tmp, path)
    _run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in logins.items()))
    return logins


def remove(name: str) -> bool:
    """Delete a user the classroom created, with its home (`userdel --remove`); False for a
    user that is not the classroom's or does not exist. Its processes must be gone."""
    if not is_ours(name):
        return False
    _run(["userdel", "--remove", name])
    try:
        grp.getgrnam(name)
        _run(["groupdel", name])
    except KeyError:
        pass
    return True


def as_user(name: str) -> list[str]:
    """The command prefix that runs a command as `name`, with its groups, none of root's rights.
    Through a shell: setpriv itself execs the command while root's capabilities are still
    in effect (they go at that exec), so it would start a program `name` cannot reach."""
    pw = pwd.getpwnam(name)
    return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--",
            "/bin/sh", "-c", 'exec "$0" "$@"']


def user_env(name: str, path: str, **extra: str) -> dict[str, str]:
    """The environment of a command run as `name`: its HOME, its name, `path` as PATH."""
    pw = pwd.getpwnam(name)
    env = {"HOME": pw.pw_dir, "USER": name, "LOGNAME": name, "PATH": path, "LANG": os.environ.get("LANG", "C.UTF-8"),
           "SHELL": pw.pw_shell or "/bin/sh"}
    env.update(extra)
    return env
