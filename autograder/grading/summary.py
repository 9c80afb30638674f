"""A per-assignment summary of a grading run for the instructor: mean, median, a histogram, the
test cells most often failed (OUT_DIR/summary/<assignment>.md and .png)."""
from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from pathlib import Path


# A row with one of these statuses is not a taker of the assignment: nothing of it could be graded.
NOT_TAKEN = {"invalid notebook", "missing notebook", "unknown assignment", "grader error"}
# Rows whose test cells ran: those say which tests fail most.
RAN = {"graded", "timeout"}


def summarise(out: Path, assignments: list[str], top: int = 5) -> list[Path]:
    """OUT_DIR/summary/<assignment>.md and <assignment>.png from grades.csv and cells.csv, for
    each of the course's `assignments` graded. Scores are over the students who took it (a
    kernel that died counts, with its 0; an invalid or missing notebook does not), the test
    cells most often failed over those whose tests ran."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grades = list(csv.DictReader(open(out / "grades.csv")))
    cells = list(csv.DictReader(open(out / "cells.csv")))
    folder = out / "summary"
    folder.mkdir(exist_ok=True)
    written = []
    by_assignment = defaultdict(list)
    for g in grades:
        if g["assignment"] in assignments:
            by_assignment[g["assignment"]].append(g)
    for a, rows in sorted(by_assignment.items()):
        takers = [r for r in rows if r["status"] not in NOT_TAKEN]
        ran = {r["student_id"] for r in rows if r["status"] in RAN}
        scores = [float(r["auto_score"]) for r in takers]
        auto_max = max((float(r["auto_max_score"]) for r in rows), default=0.0)
        failed = Counter(c["grade_id"] for c in cells if c["assignment"] == a and c["student_id"] in ran
                         and c["kind"] == "auto" and c["score"] != "" and float(c["score"]) < float(c["max_score"]))
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.hist(scores, bins=min(20, max(5, int(auto_max) + 1)), range=(0, max(auto_max, 1)), color="#4c72b0")
        ax.set_xlabel(f"autograded score (of {auto_max:g})")
        ax.set_ylabel("students")
        ax.set_title(a)
        fig.tight_layout()
        fig.savefig(folder / f"{a}.png", dpi=100)
        plt.close(fig)
        others = Counter(r["status"] for r in rows if r["status"] != "graded")
        stats = (f"mean {statistics.mean(scores):.2f}, median {statistics.median(scores):g} "
                 f"over the {len(takers)} who took it" if scores else "nobody took it")
        lines = [f"# {a}", "",
                 f"- submissions: {len(rows)} ({len(rows) - sum(others.values())} graded; others: "
                 f"{', '.join(f'{k} {v}' for k, v in sorted(others.items())) or 'none'})",
                 f"- autograded score (of {auto_max:g}): {stats}",
                 f"- flagged for review: {sum(bool(r.get('review')) for r in rows)}",
                 f"- histogram: {a}.png", "", f"Test cells most often failed (of the {len(ran)} whose tests ran):", ""]
        lines += [f"{i}. `{gid}`: {n} of {len(ran)}" for i, (gid, n) in enumerate(failed.most_common(top), 1)] or ["(none)"]
        (folder / f"{a}.md").write_text("\n".join(lines) + "\n")
        written += [folder / f"{a}.md", folder / f"{a}.png"]
    return written
