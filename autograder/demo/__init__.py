"""The embedded demo class: a handful of students per assignment, built from the release.

`autograder/demo/<assignment>.py` defines `STUDENTS = {student_id: answers}` where answers is
"solution" (the reference answers, copied from solutions/), "blank" (the untouched release),
or a dict {grade_id of a solution cell: the student's source for that cell}; the key
"__crash__": True appends `os._exit(1)` to the first solution cell (a kernel that dies).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

from ..course import SOLUTIONS
from ..nbgrader.cells import is_solution, nbgrader_meta

HERE = Path(__file__).resolve().parent


def demo_assignments() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem != "__init__")


def load_students(assignment: str) -> dict:
    spec = importlib.util.spec_from_file_location(f"demo_{assignment}", HERE / f"{assignment}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STUDENTS


def make_submissions(release: Path, submitted: Path, assignments: list[str] | None = None) -> list[tuple[str, str]]:
    """Write the demo students' notebooks under submitted/<student>/<assignment>/."""
    made = []
    for assignment in assignments or demo_assignments():
        solution_src = {}
        for nb_path in sorted((SOLUTIONS / assignment).glob("*.ipynb")):
            for cell in nbformat.read(str(nb_path), as_version=4).cells:
                if is_solution(cell):
                    solution_src[nbgrader_meta(cell)["grade_id"]] = cell.source
        for student, answers in load_students(assignment).items():
            for nb_path in sorted((release / assignment).glob("*.ipynb")):
                nb = nbformat.read(str(nb_path), as_version=4)
                crashed = False
                for cell in nb.cells:
                    if not is_solution(cell):
                        continue
                    gid = nbgrader_meta(cell)["grade_id"]
                    if answers == "solution":
                        cell.source = solution_src[gid]
                    elif isinstance(answers, dict):
                        if gid in answers:
                            cell.source = answers[gid]
                        if answers.get("__crash__") and not crashed:
                            cell.source += "\n\nimport os\nos._exit(1)  # demo: this kernel dies\n"
                            crashed = True
                dest = submitted / student / assignment / nb_path.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(dest))
            made.append((student, assignment))
    return made
