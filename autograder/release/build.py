"""`lstm-course build [--check]`: generate the student release (notebooks/) with nbgrader."""
from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from pathlib import Path

from ..course import RELEASE, CourseError, assignments
from ..nbgrader.generate import generate_release


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
