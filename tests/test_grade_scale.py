"""Grading beyond one process: a Dask cluster (a real local one) and a PostgreSQL gradebook
(a real server started here)."""
from __future__ import annotations

import csv
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import A, NB, REPO, first_solution_cell, lstm_course, release_nb, with_solutions, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scale")]


def _small_class(base: Path) -> Path:
    sub = base / "submitted"
    write_submission(sub, "perfect", with_solutions(release_nb()))
    write_submission(sub, "blank", release_nb())
    crash = with_solutions(release_nb())
    first_solution_cell(crash).source += "\nimport os\nos._exit(1)\n"
    write_submission(sub, "crash", crash)
    return sub


def _rows(out: Path) -> dict:
    return {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}


def _check(rows: dict):
    assert float(rows["perfect"]["auto_score"]) == float(rows["perfect"]["auto_max_score"]) > 0
    assert float(rows["blank"]["score"]) == 0 and rows["blank"]["status"] == "graded"
    assert rows["crash"]["status"] == "kernel died"


def test_grading_on_a_dask_cluster(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    sub = _small_class(tmp_path)
    # the Dask workers' temporary folder (short: sandbox sockets go in it), to look in afterwards
    workers_tmp = Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(workers_tmp))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        r = subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(tmp_path / "out"), "--dask",
                                            cluster.scheduler_address, "--quiet"],
                           cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = _rows(tmp_path / "out")
    _check(rows)
    for s in rows:
        assert (tmp_path / "out" / "feedback" / s / A / NB.replace(".ipynb", ".html")).exists()
    assert (tmp_path / "out" / "autograded" / "perfect" / A / NB).exists()
    left = sorted(p.name for p in workers_tmp.glob("lstm-*"))
    shutil.rmtree(workers_tmp, ignore_errors=True)
    assert not left, f"the Dask workers left their graders' folders when the cluster stopped: {left}"


def _pg_bin() -> Path | None:
    hits = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(hits[-1]).parent if hits else None


def _user(name):
    import pwd
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


@pytest.fixture
def postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg")
    data = Path(tempfile.mkdtemp(prefix="lstm-pg-"))
    os.chmod(data, 0o755)
    as_user = []
    if os.geteuid() == 0:  # postgres refuses to run as root; initdb needs a user that exists
        user = next(u for u in (_user("postgres"), _user("nobody")) if u)
        uid, gid = user.pw_uid, user.pw_gid
        os.chown(data, uid, gid)
        as_user = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = data / "db"
    subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(db), "-U", "postgres", "--auth=trust"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(db), "-w", "-l", str(data / "log"), "-o",
                              f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(db), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def test_postgresql_gradebook(tmp_path, postgres):
    from nbgrader.api import Gradebook
    sub = _small_class(tmp_path)
    r = subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(tmp_path / "out"), "--db", postgres,
                                        "--workers", "2", "--quiet"],
                       cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = _rows(tmp_path / "out")
    _check(rows)
    with Gradebook(postgres, "lstm-course") as gb:
        assert sorted(s.id for s in gb.students) == sorted(rows)
        for student, row in rows.items():
            sub_ = gb.find_submission(A, student)
            auto = sum(g.auto_score or 0 for nb in sub_.notebooks for g in nb.grades if g.cell.cell_type == "code")
            assert auto == pytest.approx(float(row["auto_score"]))
    assert not (tmp_path / "out" / "gradebook.db").exists()
