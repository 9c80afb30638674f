"""The set-up files agree with each other (pyproject.toml is the one source of dependencies,
constraints.txt pins them all); `make setup` installs pinned and quietly, installs bubblewrap where
it can or says how, and is idempotent; `make test`'s xdist groups hold."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import REPO


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _env_yml_pip() -> list[str]:
    lines = (REPO / "environment.yml").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "- pip:")
    reqs = []
    for ln in lines[start + 1:]:
        m = re.match(r"^\s{6,}- (.+)$", ln)
        if not m:
            break
        reqs.append(m.group(1).strip())
    return reqs


def test_environment_yml_mirrors_pyproject():
    want = {Requirement(r).name: str(Requirement(r)) for r in _pyproject()["project"]["dependencies"]}
    have = {Requirement(r).name: str(Requirement(r)) for r in _env_yml_pip()}
    assert have == want, f"environment.yml and pyproject.toml disagree:\n only in pyproject: " \
                         f"{sorted(set(want.items()) - set(have.items()))}\n only in environment.yml: " \
                         f"{sorted(set(have.items()) - set(want.items()))}"
    assert "python=3.11" in (REPO / "environment.yml").read_text()


def test_constraints_pin_cpu_torch_and_satisfy_pyproject():
    pins = {}
    for ln in (REPO / "constraints.txt").read_text().splitlines():
        if ln and not ln.startswith("#"):
            name, _, version = ln.partition("==")
            pins[Requirement(name).name.lower().replace("_", "-")] = version
    assert pins.get("torch") == "2.13.0", "torch must be pinned to the CPU build 2.13.0"
    for r in map(Requirement, _pyproject()["project"]["dependencies"] + _pyproject()["project"]["optional-dependencies"]["dev"]):
        key = r.name.lower().replace("_", "-")
        assert key in pins, f"constraints.txt does not pin {r.name}"
        assert r.specifier.contains(pins[key], prereleases=True), f"constraints.txt pins {r.name}=={pins[key]}, outside {r}"


def test_installed_versions_match_constraints():
    from importlib.metadata import version
    for name in ["torch", "nbgrader", "jupyterlab", "numpy"]:
        pinned = next(ln.split("==")[1] for ln in (REPO / "constraints.txt").read_text().splitlines()
                      if ln.lower().startswith(name + "=="))
        assert version(name).split("+")[0] == pinned, f"{name} {version(name)} installed, {pinned} pinned"


def test_make_targets_and_ci_entry_point():
    makefile = (REPO / "Makefile").read_text()
    for target in ["setup", "lab", "demo", "test", "build"]:
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks `make {target}`"
    assert "-c constraints.txt" in makefile
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_make_setup_is_idempotent():
    """A second `make setup` has nothing to do (CI and every make target call it)."""
    r = subprocess.run(["make", "-q", "setup"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, "make setup would reinstall although nothing changed"


# -- `make setup`: bubblewrap, pins, idempotence (the Makefile's recipe run for real, with stand-ins
#    for what it calls: a python that records its arguments, and apt-get, id and bwrap on a PATH
#    made for the test, so nothing is installed) -------------------------------------------------

MAKE = shutil.which("make")
BWRAP_HOW = "sudo apt-get install bubblewrap"


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _fake_path(tmp_path: Path, *, root: bool, bwrap: bool, apt: str | None) -> tuple[Path, Path]:
    """A bin/ folder that is the whole PATH: `id` says root or not, `bwrap` is there or not,
    `apt-get` is absent (apt=None), fails ("fail") or installs bwrap ("ok"); every call is logged."""
    bin_, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_.mkdir()
    _script(bin_ / "id", f'[ "$1" = -u ] && echo {0 if root else 1000} || echo "uid={0 if root else 1000}"\n')
    os.symlink(shutil.which("touch"), bin_ / "touch")
    if bwrap:
        _script(bin_ / "bwrap", "exit 0\n")
    if apt:
        install = f"{shutil.which('cp')} {bin_ / 'id'} {bin_ / 'bwrap'}"  # any executable will do
        _script(bin_ / "apt-get", f'echo "apt-get $*" >> {log}\n'
                                  + ('exit 100\n' if apt == "fail" else f'case "$*" in *install*) {install};; esac\nexit 0\n'))
    return bin_, log


def _make(args: list[str], cwd: Path, path: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([MAKE, "--no-print-directory", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PATH": str(path), "HOME": str(cwd), **env})


@pytest.mark.parametrize("root, bwrap, apt, says, apt_calls", [
    (False, True, "ok", None, []),                      # there: nothing to do, nothing said
    (True, True, "ok", None, []),
    (False, False, "ok", "how", []),                    # missing, not root: one line, how to install
    (True, False, None, "how", []),                     # root without apt-get: the same line
    (True, False, "fail", "how", ["update", "install"]),  # apt-get fails: the same line
    (True, False, "ok", "installed", ["update", "install"]),
])
def test_setup_installs_bubblewrap_where_it_can_else_says_how(tmp_path, root, bwrap, apt, says, apt_calls):
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    bin_, log = _fake_path(tmp_path, root=root, bwrap=bwrap, apt=apt)
    r = _make(["bubblewrap"], tmp_path, bin_)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    if says is None:
        assert lines == [], lines
    elif says == "how":
        assert len(lines) == 1 and lines[0].endswith(f"install it with: {BWRAP_HOW}"), lines
    else:
        assert len(lines) == 1 and "installed bubblewrap" in lines[0], lines
        assert (bin_ / "bwrap").exists()
    calls = log.read_text().splitlines() if log.exists() else []
    assert [c.split()[1] for c in calls] == apt_calls, calls
    if "install" in apt_calls:
        assert calls[-1].split()[1:] == ["install", "-y", "-qq", "bubblewrap"], calls


def _setup_copy(tmp_path: Path, *, fail_pip: bool = False) -> tuple[Path, Path]:
    """The set-up files in a folder of their own, with a python that only records what it is asked
    (`make setup` runs the real recipe, and nothing is installed)."""
    course = tmp_path / "course"
    course.mkdir()
    for f in ["Makefile", "pyproject.toml", "constraints.txt"]:
        shutil.copy(REPO / f, course / f)
    record = tmp_path / "python.log"
    fake = _script(tmp_path / "python3.11", f'''echo "$*" >> {record}
if [ "$1 $2" = "-m venv" ]; then {shutil.which("mkdir")} -p "$3/bin"; {shutil.which("cp")} "$0" "$3/bin/python"; exit 0; fi
case "$*" in *"pip"*"install"*"-e"*) {"exit 1" if fail_pip else ":"};; esac
exit 0
''')
    return course, fake


def test_setup_runs_pinned_and_quiet_without_bubblewrap_and_is_idempotent(tmp_path):
    course, python = _setup_copy(tmp_path)
    bin_, _ = _fake_path(tmp_path, root=False, bwrap=False, apt="ok")
    r = _make(["setup", f"PYTHON={python}"], course, bin_)
    assert r.returncode == 0, r.stdout + r.stderr
    how = [ln for ln in r.stdout.splitlines() if BWRAP_HOW in ln]
    assert len(how) == 1, f"setup should say once how to install bubblewrap:\n{r.stdout}"
    assert r.stderr == "", r.stderr

    calls = (tmp_path / "python.log").read_text().splitlines()
    assert calls[0] == "-m venv .venv", calls
    pip = [c for c in calls if c.startswith("-m pip")]
    assert pip and all(" install " in f" {c} " for c in pip), calls
    for c in pip:
        assert "-c constraints.txt" in c, f"a pip install without the pins (torch could come unpinned): {c}"
        assert "-qq" in c.split(), f"a pip install that is not quiet: {c}"
    assert any("-e .[dev]" in c for c in pip), calls
    assert any(c.startswith("-m compileall") for c in calls), "the venv is never byte-compiled"

    # Idempotent: nothing to do until pyproject.toml or constraints.txt changes.
    assert _make(["-q", "setup"], course, bin_).returncode == 0
    again = _make(["setup", f"PYTHON={python}"], course, bin_)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "python.log").read_text().splitlines() == calls, "a second `make setup` installed again"
    later = (course / ".venv" / ".installed").stat().st_mtime + 10
    os.utime(course / "constraints.txt", (later, later))
    assert _make(["-q", "setup"], course, bin_).returncode == 1, "a changed constraints.txt does not reinstall"


def test_setup_fails_when_pip_fails_and_leaves_no_stamp(tmp_path):
    course, python = _setup_copy(tmp_path, fail_pip=True)
    bin_, _ = _fake_path(tmp_path, root=False, bwrap=True, apt=None)
    r = _make(["setup", f"PYTHON={python}"], course, bin_)
    assert r.returncode != 0, r.stdout
    assert not (course / ".venv" / ".installed").exists(), "a failed install was stamped as done"


# -- pytest-xdist: `make test` relies on its groups ----------------------------------------------

def test_xdist_groups_run_on_one_worker(tmp_path):
    """`make test` runs `pytest -n auto --dist loadgroup`: the tests of one xdist_group share a
    worker, so their module fixtures (a graded class, a JupyterLab server) are built once. A
    pytest that xdist cannot label (pytest 9.2 with xdist 3.8) splits every group silently."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_groups.py").write_text('''
import os, pytest
pytestmark = pytest.mark.xdist_group("one")

@pytest.mark.parametrize("i", range(6))
def test_grouped(i):
    with open(os.path.join(os.path.dirname(__file__), "workers.txt"), "a") as f:
        f.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
''')
    r = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p", "no:cacheprovider",
                        str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    workers = (tmp_path / "workers.txt").read_text().split()
    assert len(workers) == 6 and len(set(workers)) == 1, f"one xdist_group ran on several workers: {workers}"
