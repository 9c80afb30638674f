"""The resume journal of a grading run: one line per finished submission, written (and synced)
the moment it is done, so a run that stops at any point loses nothing it finished, and a rerun
grades only what is not in it or has changed since."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .result import Result


def folder_hash(folder: Path) -> str:
    """A digest of a folder's names and file contents (what a submission is)."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        h.update(str(p.relative_to(folder)).encode() + b"\0")
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


class Journal:
    """OUT_DIR/.journal.jsonl: {"hash": the submission's and its assignment's digest, "result": ...}."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[tuple[str, str], tuple[str, Result]]:
        """(student, assignment) -> (digest, result) of every entry; a later entry wins, and a
        line cut short by a crash is skipped (that submission is graded again)."""
        done = {}
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    r = Result.from_dict(entry["result"])
                except (ValueError, TypeError, KeyError):
                    continue
                done[(r.student, r.assignment)] = (entry["hash"], r)
        return done

    def append(self, digest: str, result: Result) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps({"hash": digest, "result": result.to_dict()}) + "\n")
            f.flush()
            os.fsync(f.fileno())
