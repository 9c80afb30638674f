"""`lstm-course build [--check]`: generate the student release (notebooks/) with nbgrader."""
from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .config import REPO, RELEASE, course_config, ensure_venv_on_path
from .course import CourseError, assignments, check_assignments


def generate_release(out_dir: Path, names: list[str] | None = None, *, db_url: str | None = None,
                     root: Path = REPO) -> list[str]:
    """Run nbgrader's generate_assignment for `names` (default: all) into `out_dir`.

    The gradebook is a throw-away sqlite file unless `db_url` is given (the grader passes its
    own, so that the gradebook learns the assignment's cells and hidden tests).
    """
    ensure_venv_on_path()
    names = check_assignments(names, Path(root) / "solutions")
    out_dir = Path(out_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="lstm-course-build-") as tmp:
        c = course_config(root)
        c.CourseDirectory.release_directory = str(out_dir)
        c.CourseDirectory.db_url = db_url or f"sqlite:///{tmp}/gradebook.db"
        c.GenerateAssignment.create_assignment = True
        coursedir = CourseDirectory(config=c)
        api = NbGraderAPI(coursedir=coursedir, config=c)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                detail = "\n".join(((result.get("log") or "") + "\n" + (result.get("error") or "")).strip().splitlines()[-25:])
                raise CourseError(f"nbgrader could not generate {name}:\n{detail}")
    return names


def _tree(d: Path) -> dict[str, Path]:
    return {str(p.relative_to(d)): p for p in d.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts}


def _same(a: Path, b: Path) -> bool:
    if a.suffix == ".ipynb":
        try:
            return json.loads(a.read_text()) == json.loads(b.read_text())
        except ValueError:
            return False
    return filecmp.cmp(a, b, shallow=False)


def out_of_date(release: Path = RELEASE) -> list[str]:
    """Files of `release` that differ from a fresh build (missing, extra or changed)."""
    with tempfile.TemporaryDirectory(prefix="lstm-course-check-") as tmp:
        fresh = Path(tmp) / "release"
        generate_release(fresh)
        want, have = _tree(fresh), _tree(release) if release.exists() else {}
        problems = [f"missing: {release.name}/{k}" for k in sorted(want.keys() - have.keys())]
        problems += [f"not in solutions/ (stale): {release.name}/{k}" for k in sorted(have.keys() - want.keys())]
        problems += [f"differs: {release.name}/{k}" for k in sorted(want.keys() & have.keys()) if not _same(want[k], have[k])]
    return problems


def build(release: Path = RELEASE, names: list[str] | None = None) -> list[str]:
    """Regenerate `release` from solutions/.

    With `names`, only those assignments' folders are regenerated and the others are left
    alone; without, all are, and stale assignment folders are removed.
    """
    if not assignments():
        raise CourseError("solutions/ has no assignments to build")
    with tempfile.TemporaryDirectory(prefix="lstm-course-build-") as tmp:
        fresh = Path(tmp) / "release"
        only = names
        names = generate_release(fresh, only)
        release.mkdir(parents=True, exist_ok=True)
        for old in release.iterdir():
            if old.is_dir() and (only is None or old.name in names):
                shutil.rmtree(old)
        for name in names:
            shutil.copytree(fresh / name, release / name)
    return names
