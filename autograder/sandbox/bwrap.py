"""The bubblewrap command line of a sandbox (`bwrap_command`), from a `Policy`."""
from __future__ import annotations

import shutil
from pathlib import Path

from .policy import BWRAP, HOME, Policy


def bwrap_command(cmd: list[str], policy: Policy, *, workdir: Path, runtime: Path, uid: int | None,
                  server: bool = False) -> list[str]:
    """`cmd` wrapped in bwrap + prlimit (+ setpriv as root), the view and limits of `policy`.

    workdir: the private working copy, shown at HOME/work (the sandbox's current folder);
    runtime: the folder of this sandbox's sockets, shown at the same path;
    server:  the sandbox of a worker's fork server: the same view, but it keeps the
             capabilities it needs to give each forked process namespaces of its own and then
             drop to `uid`; the limits and the identity are applied per fork (zygote.py)."""
    limits = policy.limits
    ro = policy.readonly_paths()
    if uid is None:   # an ordinary user: bwrap makes a user namespace itself
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-all"]
    else:             # root: new namespaces but no user namespace, then drop to `uid` inside
        args = [shutil.which(BWRAP) or BWRAP, "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    if server:
        args += ["--cap-add", "CAP_SYS_ADMIN"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    # private /tmp and HOME first: the binds below may lie under them (a course kept in /tmp)
    args += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", HOME]
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
             "--bind", str(workdir), f"{HOME}/work",
             "--bind", str(runtime), str(runtime),
             "--chdir", f"{HOME}/work"]
    for k, v in {**policy.kernel_env(), "HOME": HOME, "MPLCONFIGDIR": "/tmp/mpl", "TMPDIR": "/tmp"}.items():
        args += ["--setenv", k, v]
    if server:
        return args + ["--", *cmd]
    args += ["--", shutil.which("prlimit") or "prlimit",
             f"--as={limits.memory_bytes}", f"--nproc={policy.nproc(uid)}", f"--nofile={limits.open_files}",
             f"--fsize={limits.file_bytes}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
    if uid is not None:
        args += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--"]
    return args + cmd
