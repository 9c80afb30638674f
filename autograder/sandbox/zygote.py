"""The fork server ("zygote") of one grading worker. Not imported by the grader: its source is
run as `python -c <this file> <settings.json>`, inside the worker's bubblewrap sandbox (see
`forkserver.py`), so it imports nothing of `autograder`.

It imports what nearly every notebook of the course starts with (numpy, matplotlib, torch,
lstmlib, ipykernel) once, then forks one kernel per notebook on request: a fork costs a few
milliseconds where a fresh `python -m ipykernel_launcher` costs ~2 s of CPU before the first
cell has run.

Each forked kernel is a fresh sandbox of its own, set up by the fork before any student code
runs (the same guarantees as a kernel started by bubblewrap):
- new mount, PID and IPC namespaces; a fresh size-limited /tmp and HOME; its working folder
  (the host's private copy of the submission's folder) bound at $HOME/work; the server's
  runtime folder covered so that only this kernel's own socket folder stays visible; a /proc
  of its own PID namespace, where the kernel is PID 2 under an init that stays out of its reach;
  when the kernel goes, everything it started goes;
- rlimits (address space, processes, open files, file size, CPU seconds, no core dumps); the
  address space of what the server preloaded comes on top of the memory limit, so a forked
  kernel has the same room as a fresh one;
- as root: an unprivileged uid and no groups, which also clears every capability; as an
  ordinary user (a user namespace): every capability dropped;
- stdin/stdout/stderr on /dev/null and no other descriptor of the server left open;
- random generators reseeded from the OS (a fork would otherwise repeat the server's state).

Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
  {"op": "spawn", "dir": D, "argv": [...], "uid": U|null, "limits": {...}, "env": {...}}
                            -> {"pid": P} | {"error": E}   (a kernel)
  {"op": "run", "dir": D, "code": C, "uid": ..., "limits": ..., "env": ...}
                            -> the same (a plain program, e.g. a crosscheck)
  {"op": "poll", "pid": P}  -> {"status": null | exit code}
  {"op": "kill", "pid": P}  -> {}  (killed and reaped)
The server exits when its stdin closes, killing what it started.
"""
import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x08000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_MOVE, MS_BIND, MS_REC, MS_PRIVATE = 8192, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1

libc = ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source, target, fstype, flags, data=None):
    _check(libc.mount(source.encode() if source else None, target.encode(),
                      fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                      data.encode() if data else None), f"mount {target}")


def drop_capabilities():
    """Empty effective, permitted and inheritable sets (capset, version 3)."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    hdr, data = Header(0x20080522, 0), (Data * 2)()
    _check(libc.capset(ctypes.byref(hdr), data), "capset")


def private_view(s, req):
    """In the forked child, before the kernel's process: its own mounts (see the docstring)."""
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    kdir, size = req["dir"], req["limits"]["tmp_bytes"]
    home, stage = s["home"], s["home"] + "/.kernel"
    mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
    os.mkdir(stage)
    mount(kdir, stage, None, MS_BIND)  # this kernel's folder, kept aside
    # the read-only folders that lie under /tmp (a course kept there, its venv) go over to the
    # new /tmp: kept aside first, moved back, and made read-only again
    keep = []
    for path in sorted(s["readonly"], key=len):
        if path.startswith("/tmp/") and not any(path.startswith(k + "/") for k in keep):
            keep.append(path)
    for i, path in enumerate(keep):
        os.mkdir(f"{stage}{i}")
        mount(path, f"{stage}{i}", None, MS_BIND | MS_REC)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
    for i, path in enumerate(keep):
        os.makedirs(path, mode=0o755, exist_ok=True)
        mount(f"{stage}{i}", path, None, MS_MOVE)
        mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.rmdir(f"{stage}{i}")
    if os.path.exists(s["root"]):  # the server's folder lies outside /tmp: cover it too
        mount("tmpfs", s["root"], "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    os.makedirs(kdir, mode=0o755)  # (parents: root's, 0755) nothing of the other kernels is left
    mount(stage, kdir, None, MS_MOVE)
    os.rmdir(stage)
    os.mkdir(home + "/work")
    mount(kdir + "/work", home + "/work", None, MS_BIND | MS_NOSUID | MS_NODEV)


def become_student(s, req):
    """In the kernel's process (PID 2 of its namespace): limits, identity, descriptors."""
    os.chdir(s["home"] + "/work")
    lim = req["limits"]
    memory = lim["memory_bytes"]
    if memory is not None:  # the preloaded modules' address space is not the student's to pay
        memory += s.get("preloaded_bytes", 0)
    for which, value in [(resource.RLIMIT_AS, memory), (resource.RLIMIT_NPROC, lim["processes"]),
                         (resource.RLIMIT_NOFILE, lim["open_files"]), (resource.RLIMIT_FSIZE, lim["file_bytes"]),
                         (resource.RLIMIT_CPU, lim["cpu_seconds"]), (resource.RLIMIT_CORE, 0)]:
        if value is not None:
            resource.setrlimit(which, (value, value))
    uid = req.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to another uid: every capability goes
    drop_capabilities()  # (as an ordinary user: those the user namespace gave)
    os.environ.clear()  # what a kernel started by bwrap would have
    os.environ.update(req["env"])
    os.environ.update({"HOME": s["home"], "MPLCONFIGDIR": "/tmp/mpl", "TMPDIR": "/tmp"})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def reseed():
    import random
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    if "torch" in sys.modules:
        sys.modules["torch"].seed()


def init_process(s, req, w):
    """The namespace's init (it stays root, out of the student's reach): the kernel runs as its
    child, PID 2, so that signals behave as in any process (PID 1 ignores those it has no
    handler for, even its own `os.kill(os.getpid(), SIGKILL)`). When the kernel ends, so does
    the init, and the kernel takes every process it started along."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with its parent (killed by the server)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    kernel = os.fork()
    if kernel == 0:
        become_student(s, req)
        # after the change of uid, which clears it: dies with the init
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        # (no race: the server kills a child only after its "ok", written below)
        os.closerange(3, w)
        os.closerange(w + 1, 65536)
        reseed()
        os.write(w, b"ok")
        os.close(w)
        run(req)
        os._exit(0)
    os.close(w)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, 65536)
    while True:  # orphans of the namespace are reparented here: reap them all
        pid, status = os.wait()
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def start(s, req):
    """Fork the child that becomes the kernel; returns its pid here (the server's namespace)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: namespaces, then their init (PID 1) and the kernel (PID 2)
        os.close(r)
        try:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.setsid()
            private_view(s, req)
            init = os.fork()
            if init == 0:  # PID 1 of the new namespace: reaps, and ends it with the kernel
                init_process(s, req, w)
            os.close(w)
            _, status = os.waitpid(init, 0)
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)
        except BaseException as exc:  # noqa: BLE001 - reported to the grader, never raised here
            try:
                os.write(w, f"{type(exc).__name__}: {exc}".encode()[:1000])
            except OSError:
                pass
            os._exit(127)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        chunks.append(b)
        if b"".join(chunks) == b"ok":
            break
    os.close(r)
    said = b"".join(chunks).decode(errors="replace")
    if said != "ok":
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        return {"error": said or "the forked process ended before it was ready"}
    return {"pid": pid}


def run(req):
    if req["op"] == "spawn":
        sys.path.insert(0, os.getcwd())  # as `python -m ipykernel_launcher` has it
        sys.argv = ["ipykernel_launcher", *req["argv"]]
        from ipykernel.kernelapp import IPKernelApp
        IPKernelApp.launch_instance(argv=req["argv"])
    else:  # a plain program: the code runs as the main module would
        sys.argv = ["-c"]
        exec(compile(req["code"], "<grader>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})


def main():
    s = json.loads(sys.argv[1])
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    requests = os.fdopen(os.dup(0), "r")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.environ.setdefault("MPLBACKEND", "Agg")
    before = address_space()
    for name in s["preimport"]:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a kernel imports what it needs itself
            pass
    s["preloaded_bytes"] = max(0, address_space() - before)
    exited, started = {}, set()
    replies.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in requests:
        req = json.loads(line)
        op = req.get("op")
        try:
            if op in ("spawn", "run"):
                reply = start(s, req)
                if "pid" in reply:
                    started.add(reply["pid"])
            elif op == "poll":
                pid = req["pid"]
                if pid not in exited:
                    got, status = os.waitpid(pid, os.WNOHANG)
                    if got:
                        exited[pid] = os.waitstatus_to_exitcode(status)
                reply = {"status": exited.get(pid)}
            elif op == "kill":  # and reap it, so that the next poll already has its status
                if req["pid"] not in exited:
                    os.kill(req["pid"], signal.SIGKILL)
                    _, status = os.waitpid(req["pid"], 0)
                    exited[req["pid"]] = os.waitstatus_to_exitcode(status)
                reply = {}
            else:
                reply = {"error": f"unknown request {op!r}"}
        except OSError as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
    for pid in started - set(exited):  # the grader has gone: so does every kernel
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


if __name__ == "__main__":
    main()
