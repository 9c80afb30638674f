"""A copy of the course's venv, and of the Python that runs it, that the classroom's users can run.

Needed where the venv's Python lies inside a private home (pyenv in /root, mode 0700): the
users cannot run it, so they could not start their servers. The same interpreter (not
another Python of the same minor version: 3.11.2 and 3.11.7 differ enough to break
soupsieve, which nbgrader's feedback uses) and the same packages are laid out where they can:

    CLASSROOM/runtime/python/   the venv's base Python: its bin/python3.X, libpython and standard
                                library (no site-packages, no test suite)
    CLASSROOM/runtime/venv/     the venv: its packages, its own bin/ and pyvenv.cfg

Files are hard links to the originals (no space, seconds; a copy on another file system);
what must differ is written anew, never through a link: the interpreter, whose library
search path (RUNPATH) names its old folder and becomes `$ORIGIN/../lib`, the venv's
pyvenv.cfg, bin/python* and scripts. Rebuilt when the venv changes (`make setup`).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

MINOR = f"python{sys.version_info[0]}.{sys.version_info[1]}"
STAMP = ".lstm-course-runtime.json"


def changed(venv: Path) -> float:
    paths = [venv / "pyvenv.cfg", venv / "bin", venv / "lib" / MINOR / "site-packages", venv / ".installed"]
    return max(p.stat().st_mtime for p in paths if p.exists())


def build(venv: Path, base: Path, dest: Path) -> Path:
    """dest/python and dest/venv (returned), unless they are up to date."""
    want = {"venv": str(venv), "base": str(base), "changed": changed(venv)}
    try:
        if json.loads((dest / STAMP).read_text()) == want:
            return dest / "venv"
    except (OSError, ValueError):
        pass
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)
    (dest / STAMP).unlink(missing_ok=True)
    for name in ("python", "venv"):
        shutil.rmtree(dest / name, ignore_errors=True)
        shutil.rmtree(dest / f"{name}.new", ignore_errors=True)
    python = _python(base, dest / "python.new")
    os.rename(dest / "python.new", dest / "python")
    python = dest / "python" / python.relative_to(dest / "python.new")
    _venv(venv, dest / "venv.new", dest / "venv", python)
    os.rename(dest / "venv.new", dest / "venv")
    (dest / STAMP).write_text(json.dumps(want))
    return dest / "venv"


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def _link_tree(src: Path, dst: Path, skip: tuple[str, ...] = ()) -> None:
    """dst: the tree of src, as hard links (folders made anew, symbolic links copied)."""
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        target = dst / rel
        target.mkdir(parents=True, exist_ok=True)
        shutil.copymode(dirpath, target)
        keep = []
        for name in dirs:
            if os.path.normpath(os.path.join(rel, name)) in skip:
                continue
            if os.path.islink(os.path.join(dirpath, name)):
                os.symlink(os.readlink(os.path.join(dirpath, name)), target / name)
            else:
                keep.append(name)
        dirs[:] = keep
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), target / name)
            else:
                _link(path, str(target / name))


def _write_anew(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` (a hard link to an original, which must not change) by a file of its own."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    os.chmod(path, mode)


def _python(base: Path, dst: Path) -> Path:
    """The base interpreter in dst; returns its bin/python3.X there."""
    lib = base / "lib"
    _link_tree(lib / MINOR, dst / "lib" / MINOR, skip=("site-packages", "test"))
    (dst / "lib" / MINOR / "site-packages").mkdir(exist_ok=True)
    for so in sorted(lib.glob("libpython*")):
        if so.is_symlink():
            os.symlink(os.readlink(so), dst / "lib" / so.name)
        elif so.is_file():
            _link(str(so), str(dst / "lib" / so.name))
    exe = Path(os.path.realpath(base / "bin" / MINOR))
    data = exe.read_bytes()
    old, new = str(lib).encode() + b"\0", b"$ORIGIN/../lib"
    if data.count(old) == 1 and len(new) < len(old):  # RUNPATH: libpython next to the interpreter
        data = data.replace(old, new + b"\0" * (len(old) - len(new)))
    (dst / "bin").mkdir(parents=True)
    _write_anew(dst / "bin" / MINOR, data, 0o755)
    os.symlink(MINOR, dst / "bin" / f"python{sys.version_info[0]}")
    os.symlink(MINOR, dst / "bin" / "python")
    for d in [dst, dst / "bin", dst / "lib"]:
        os.chmod(d, 0o755)
    return dst / "bin" / MINOR


def _venv(src: Path, tmp: Path, final: Path, python: Path) -> None:
    """tmp (to be renamed final): the venv src, run by `python`, its scripts pointing at final."""
    _link_tree(src, tmp)
    for name in ("python", f"python{sys.version_info[0]}", MINOR):
        link = tmp / "bin" / name
        if link.exists() or link.is_symlink():
            link.unlink()
        os.symlink(str(python) if name == MINOR else MINOR, link)
    cfg = []
    for line in (src / "pyvenv.cfg").read_text().splitlines():
        key = line.split("=")[0].strip()
        cfg.append({"home": f"home = {python.parent}", "executable": f"executable = {python}"}.get(key, line))
    _write_anew(tmp / "pyvenv.cfg", ("\n".join(cfg) + "\n").encode(), 0o644)
    old, new = str(src).encode(), str(final).encode()
    for f in (tmp / "bin").iterdir():
        if f.is_symlink() or not f.is_file():
            continue
        data = f.read_bytes()
        if old in data and b"\0" not in data[:1024]:  # scripts (#!src/bin/python), activate
            _write_anew(f, data.replace(old, new), 0o755)
