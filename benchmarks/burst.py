"""A class's burst: N students submit within one minute; how long until each has feedback?

    .venv/bin/python benchmarks/burst.py [--students 40] [--window 60] [--workers 2] [--seed 0]

`lstm-course serve` runs on a fresh nbgrader exchange; submissions of 01_gates (the demo
class, repeated) are replayed into its inbound folder at random times within the window, in
nbgrader's own layout (`student+assignment+timestamp+random/` with the notebook, timestamp.txt
and submission_secret.txt, appearing at once as `nbgrader submit` makes them). The time from a
submission appearing to its feedback being released is measured for every student; the
per-phase breakdown comes from the service's timings.csv.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading import make_class  # noqa: E402

BIN = Path(sys.executable).parent
A = "01_gates"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


def submit(inbound: Path, student: str, folder: Path) -> tuple[str, float]:
    """Put one submission into the inbound folder at once, as `nbgrader submit` leaves it."""
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    name = f"{student}+{A}+{stamp}+{secrets.token_urlsafe(9)}"
    tmp = inbound / f".{name}.tmp"
    shutil.copytree(folder, tmp)
    (tmp / "timestamp.txt").write_text(stamp)
    (tmp / "submission_secret.txt").write_text(secrets.token_hex(64))
    os.rename(tmp, inbound / name)
    return name, time.time()


def released(db: Path) -> dict[str, float]:
    if not db.exists():
        return {}
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return {r[0]: r[1] for r in con.execute("SELECT id, released_at FROM submissions WHERE released_at IS NOT NULL")}
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--window", type=float, default=60.0, help="seconds within which all submit")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=1200.0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        base = Path(tmp)
        students = make_class(base, A, args.students)
        inbound = base / "exchange" / "lstm-course" / "inbound"
        inbound.mkdir(parents=True)
        out = base / "out"
        log = open(base / "serve.log", "w")
        serve = subprocess.Popen([str(BIN / "lstm-course"), "serve", "--exchange", str(base / "exchange"), "--out",
                                  str(out), "--assignment", A, "--workers", str(args.workers), "--poll", "0.5",
                                  "--no-owner-check"], stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            t0 = time.time()
            while "watching" not in (base / "serve.log").read_text():  # warm: workers and fork servers up
                if serve.poll() is not None or time.time() - t0 > 600:
                    raise SystemExit(f"serve did not start:\n{(base / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.2)
            print(f"serve ready after {time.time() - t0:.1f} s; replaying {args.students} submissions "
                  f"within {args.window:g} s")
            rng = random.Random(args.seed)
            at = sorted(rng.uniform(0, args.window) for _ in students)
            start, sent = time.time(), {}
            for student, t in zip(students, at):
                time.sleep(max(0.0, start + t - time.time()))
                name, when = submit(inbound, student, base / "submitted" / student / A)
                sent[name] = when
            db = out / ".service" / "queue.db"
            while len(released(db)) < len(sent):
                if serve.poll() is not None or time.time() - start > args.timeout:
                    raise SystemExit(f"not every submission was released:\n{(base / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.2)
            done = released(db)
            latency = [done[n] - t for n, t in sent.items()]
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(60)
            log.close()
        print(f"submit -> feedback released, {len(latency)} submissions, {args.workers} workers, "
              f"{os.cpu_count()} cores:")
        print(f"  p50 {statistics.median(latency):6.1f} s   p95 {pct(latency, 0.95):6.1f} s   max {max(latency):6.1f} s")
        phases: dict[str, list[float]] = {}
        for row in csv.DictReader(open(out / "timings.csv")):
            phases.setdefault(row["phase"], []).append(float(row["seconds"]))
        print("per phase (median / p95, s):")
        for phase, xs in phases.items():
            print(f"  {phase:12s} {statistics.median(xs):6.2f} / {pct(xs, 0.95):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
