"""The set-up files agree with each other: pyproject.toml is the one source of dependencies."""
from __future__ import annotations

import re
import tomllib

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
    import subprocess
    r = subprocess.run(["make", "-q", "setup"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, "make setup would reinstall although nothing changed"
