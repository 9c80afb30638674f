"""`lstm-course bundle --out FILE.zip`: the course for students without JupyterHub.

The zip holds the student release (`notebooks/`), `lstmlib/`, `datasets/`, `environment.yml`,
`constraints.txt`, a `pyproject.toml` that installs only `lstmlib`, and a student README —
nothing of `solutions/`, hidden tests, `autograder/` or `tests/`.
"""
from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from ..course import REPO, CourseError

STUDENT_README = """# LSTMs from gates up — student bundle

Notebooks that build Long Short-Term Memory networks from their parts, with exercises and the
tests that check them. Work through `notebooks/` in order.

## Set up (Python 3.11)

    python3.11 -m venv .venv
    .venv/bin/pip install -c constraints.txt -e .
    .venv/bin/jupyter lab --notebook-dir=notebooks

Conda: `conda env create -f environment.yml`, `conda activate lstm-course`,
`pip install --no-deps -e .`, then `jupyter lab --notebook-dir=notebooks`.

## Check your work

Run the test cells under each exercise (or Kernel > Restart & Run All): a failing test says what
is wrong and the likely mistake. Hidden tests run at grading on other inputs, so make your code
general. Submit the notebooks as your instructor tells you.
"""


def _student_pyproject() -> str:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = ",\n".join(f'    "{d}"' for d in meta["dependencies"])
    return (f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "lstm-course-student"\nversion = "{meta["version"]}"\n'
            f'requires-python = "{meta["requires-python"]}"\ndependencies = [\n{deps},\n]\n\n'
            f'[tool.setuptools]\npackages = ["lstmlib", "lstmlib.data"]\n')


def _files(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts and p.suffix != ".pyc":
            yield p


def bundle(out: Path) -> list[str]:
    release = REPO / "notebooks"
    if not any(release.glob("*/*.ipynb")):
        raise CourseError("notebooks/ is empty: run `lstm-course build` first")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for folder in ["notebooks", "lstmlib", "datasets"]:
            for p in _files(REPO / folder):
                name = str(p.relative_to(REPO))
                z.write(p, name)
                names.append(name)
        for f in ["environment.yml", "constraints.txt"]:
            z.write(REPO / f, f)
            names.append(f)
        z.writestr("pyproject.toml", _student_pyproject())
        z.writestr("README.md", STUDENT_README)
        names += ["pyproject.toml", "README.md"]
    return names
