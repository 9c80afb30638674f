"""nbgrader's exchange as the grading service sees it: the submissions in the inbound folder
(`EXCHANGE/COURSE/inbound/STUDENT+ASSIGNMENT+TIMESTAMP+RANDOM/`, what `nbgrader submit`
writes), a snapshot of each as it was found, and feedback released where `nbgrader
fetch_feedback` and the Assignment List look for it (`EXCHANGE/COURSE/feedback/HASH.html`,
the hash of the submission's secret and the notebook's name)."""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    id: str            # the inbound folder's name
    student: str
    assignment: str
    timestamp: str     # nbgrader's timestamp, as written in the name and in timestamp.txt


def parse(name: str) -> Submission | None:
    """The submission an inbound folder's name describes; None for anything else."""
    parts = name.split("+")
    if len(parts) not in (3, 4) or not all(parts[:3]) or name.startswith("."):
        return None
    return Submission(name, parts[0], parts[1], parts[2])


def inbound(exchange: Path, course: str) -> Path:
    return Path(exchange) / course / "inbound"


# `nbgrader submit` creates the inbound folder, copies the notebooks into it, then writes
# timestamp.txt and, last, submission_secret.txt: a folder without the secret may still be
# being copied (taken then, it was graded as a submission without its notebook). One that has
# none and has not changed for this long was put there by other means, and is taken as it is.
UNFINISHED_GRACE_S = 60.0


def complete(folder: Path, now: float | None = None) -> bool:
    """Whether `nbgrader submit` has finished writing this inbound folder."""
    secret = folder / "submission_secret.txt"
    if secret.exists() and os.access(secret, os.R_OK):  # (readable once nbgrader set its permissions)
        return True
    try:
        newest = max([folder.stat().st_mtime] + [p.stat().st_mtime for p in folder.rglob("*")])
    except OSError:
        return False
    return (time.time() if now is None else now) - newest > UNFINISHED_GRACE_S


def scan(exchange: Path, course: str) -> list[Submission]:
    """The submissions in the inbound folder now that nbgrader has finished writing, oldest name first."""
    folder = inbound(exchange, course)
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        sub = parse(name)
        if sub is not None and (folder / name).is_dir() and complete(folder / name):
            found.append(sub)
    return found


def snapshot(exchange: Path, course: str, sub: Submission, store: Path) -> Path:
    """A copy of the submission as found (the inbound folder stays as it is): STORE/ID/. A
    copy made before is replaced, so a snapshot cut short by a crash is redone."""
    dest = Path(store) / sub.id
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(inbound(exchange, course) / sub.id, tmp, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def feedback_name(secret: str, notebook: str) -> str:
    """nbgrader's name for a notebook's released feedback (what `nbgrader fetch_feedback` looks for)."""
    from nbgrader.utils import notebook_hash
    return notebook_hash(secret=secret, notebook_id=notebook) + ".html"


def release(exchange: Path, course: str, page: Path, secret: str, notebook: str) -> Path:
    """Publish one feedback page for the student who holds `secret` (atomically, readable by
    all: the name is the secret's hash, as nbgrader's release_feedback does)."""
    folder = Path(exchange) / course / "feedback"
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    dest = folder / feedback_name(secret, notebook)
    tmp = folder / ("." + dest.name + ".tmp")
    shutil.copyfile(page, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dest)
    return dest


def owner(exchange: Path, course: str, sub: Submission) -> str:
    """The name of the Unix user who owns the submission's folder (who ran `nbgrader submit`)."""
    import pwd
    uid = (inbound(exchange, course) / sub.id).stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
