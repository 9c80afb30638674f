"""Hostile submissions, graded in one batch by `lstm-course grade` with the sandbox.

Each student answers 01_gates correctly and then tries something. Where the attempt is an
escape (reading the instructor's files, the network, memory or processes beyond the limits),
the code *loses its own points if the escape works* (it redefines `sigmoid` wrongly), so a full
score proves the sandbox held. Every student must get a row; the grader must survive.
"""
from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import threading

import nbformat
import pytest

from conftest import A, NO_SANDBOX, REPO, lstm_course, release_nb, with_solutions, write_submission
from autograder.nbgrader.cells import is_solution, is_test

pytestmark = [
    pytest.mark.xdist_group("adversarial"),
    pytest.mark.slow,
    pytest.mark.skipif(NO_SANDBOX is not None,
                       reason=f"the sandbox cannot run here ({NO_SANDBOX}); hostile code is only ever run inside it"),
]

LOSE = "\nif _escaped:\n    def sigmoid(x):\n        return 0 * x  # the escape worked: lose the points\n"

ESCAPES = {
    # reading what the sandbox must hide
    "reads_solutions": f"""
_escaped = False
for _p in [{str(REPO / 'solutions' / A / f'{A}.ipynb')!r}, {str(REPO / 'autograder' / 'config.py')!r}]:
    try:
        open(_p).read(); _escaped = True
    except OSError:
        pass
""",
    "lists_other_submissions": """
import os as _os, glob as _glob
_escaped = bool(_glob.glob('/work/**/submitted/*', recursive=True)) or bool(_glob.glob('/tmp/**/gradebook.db', recursive=True))
""",
    "network": "\nimport socket as _s\n_escaped = False\ntry:\n    _s.create_connection(('127.0.0.1', PORT), timeout=2).sendall(b'escaped'); _escaped = True\nexcept OSError:\n    pass\n",
    "memory_bomb": "\n_escaped = False\ntry:\n    _big = bytearray(6 * 1024**3); _escaped = True; del _big\nexcept MemoryError:\n    pass\n",
    "fork_bomb": """
import os as _os, time as _t
_kids = 0
try:
    for _ in range(3000):
        _pid = _os.fork()
        if _pid == 0:
            _t.sleep(20); _os._exit(0)
        _kids += 1
except OSError:
    pass
_escaped = _kids >= 3000
""",
    "huge_file": "\n_escaped = False\ntry:\n    with open('big.bin', 'wb') as _f:\n        _f.write(b'0' * 200_000_000)\n    _escaped = True\nexcept OSError:\n    pass\n",
    "writes_home": "\nimport os as _os\n_escaped = False\nfor _d in ['/root', '/work', '/etc']:\n    try:\n        open(_os.path.join(_d, 'pwned'), 'w').write('x'); _escaped = True\n    except OSError:\n        pass\n",
}

OTHER = {
    # not escapes: the grader must survive them and grade what it can
    "huge_output": ("\nfor _ in range(500):  # 50 MB, 25x the per-cell output cap, within the 10 s cell limit\n    print('x' * 100_000)\n", "graded"),
    "sys_exit": ("\nimport sys as _sys\n_sys.exit(3)\n", "graded"),
    "os_exit": ("\nimport os as _os\n_os._exit(0)\n", "kernel died"),
    "infinite_loop": ("\nwhile True:\n    pass\n", "timeout"),
    # (it waits rather than spins: the same interrupt that does nothing, the same kill, and 30 s
    # of a core left to the rest of the suite; infinite_loop is the spinning one)
    "ignores_sigint": ("\nimport signal as _sig, time as _time\n_sig.signal(_sig.SIGINT, _sig.SIG_IGN)\nwhile True:\n    _time.sleep(0.05)\n", "timeout"),
}


# A wrong sigmoid, then every assert helper the tests could use patched to pass.
MONKEYPATCH = """
def sigmoid(x):
    return 0.5 + 0 * x   # wrong

import numpy as _np, builtins as _b
import lstmlib.testing as _T, lstmlib.gradcheck as _G
_np.allclose = lambda *a, **k: True
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
for _name in dir(_T):
    if _name.startswith("assert_"):
        setattr(_T, _name, (lambda *a, **k: a[0](*a[1:], **k)) if _name == "assert_no_warnings" else (lambda *a, **k: None))
_G.grad_check = lambda *a, **k: {}
_real_isinstance = _b.isinstance
"""


@pytest.fixture(scope="module")
def listener():
    """A loopback server the `network` student tries to reach; it records any connection."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.5)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                hits.append(conn.recv(100))
                conn.close()
            except OSError:
                pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    t.join(2)
    srv.close()


def _hostile(code: str):
    nb = with_solutions(release_nb())
    first = next(c for c in nb.cells if is_solution(c))
    first.source += "\n" + code
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    port, _ = listener
    base = tmp_path_factory.mktemp("adversarial")
    sub = base / "submitted"
    for name, code in ESCAPES.items():
        write_submission(sub, name, _hostile(code.replace("PORT", str(port)) + LOSE))
    for name, (code, _) in OTHER.items():
        write_submission(sub, name, _hostile(code))
    write_submission(sub, "monkeypatches_asserts", _hostile(MONKEYPATCH))
    # hostile only in its solution cell: the rest of the class
    write_submission(sub, "zz_perfect_neighbour", with_solutions(release_nb()))
    tampered = release_nb()  # blank answers; test cells emptied and re-weighted in the metadata
    for c in tampered.cells:
        if is_test(c):
            c.source = "pass"
            c.metadata["nbgrader"].update(points=1000, grade=False, locked=False)
    write_submission(sub, "tampered_tests", tampered)
    dup = release_nb()  # blank answers; every test cell duplicated with an empty body first
    cells = []
    for c in dup.cells:
        if is_test(c):
            fake = nbformat.from_dict(dict(c))
            fake.source = "pass"
            cells.append(fake)
        cells.append(c)
    dup.cells = cells
    write_submission(sub, "duplicated_tests", dup)
    future = json.loads(nbformat.writes(release_nb()))
    future["nbformat"] = 5  # a format version that does not exist
    write_submission(sub, "wrong_nbformat", raw=json.dumps(future).encode())

    out = subprocess.run(lstm_course() + ["grade", str(sub), "--out", str(base / "out"), "--workers", "2",
                                          "--cell-timeout", "30", "--quiet"],
                         cwd=REPO, capture_output=True, text=True, timeout=1500)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(base / "out" / "grades.csv"))}
    return rows, sub


def _full(row) -> bool:
    return float(row["auto_score"]) == float(row["auto_max_score"]) > 0


@pytest.mark.parametrize("student", sorted(ESCAPES))
def test_escape_attempts_fail(graded, student, listener):
    rows, _ = graded
    assert rows[student]["status"] == "graded", rows[student]
    assert _full(rows[student]), f"{student}: the escape worked inside the grading kernel ({rows[student]})"


def test_network_listener_never_reached(graded, listener):
    _, hits = listener
    assert hits == [], f"a sandboxed kernel reached a loopback server: {hits}"


@pytest.mark.parametrize("student", sorted(OTHER))
def test_disruptive_code_is_contained(graded, student):
    rows, _ = graded
    row = rows[student]
    assert row["status"] == OTHER[student][1], row
    if row["status"] == "graded":
        assert _full(row), row
    if row["status"] == "timeout":  # its answer ran out of time: the crosscheck does not run it again
        assert row["review"] == "", row


def test_monkeypatching_is_caught_out_of_the_kernel(graded):
    """The patched asserts make the in-kernel tests pass a wrong sigmoid; the out-of-kernel
    crosscheck must flag the student for review, naming the function."""
    rows, _ = graded
    row = rows["monkeypatches_asserts"]
    assert "sigmoid" in row["review"], f"not flagged for review: {row}"
    assert rows["zz_perfect_neighbour"]["review"] == ""


def test_neighbour_unaffected(graded):
    rows, _ = graded
    assert _full(rows["zz_perfect_neighbour"]) and rows["zz_perfect_neighbour"]["status"] == "graded"


def test_tampered_and_duplicated_tests_score_zero(graded):
    rows, _ = graded
    normal_max = float(rows["zz_perfect_neighbour"]["auto_max_score"])
    for student in ["tampered_tests", "duplicated_tests"]:
        assert float(rows[student]["score"]) == 0, rows[student]
        assert float(rows[student]["auto_max_score"]) == normal_max, "points must come from the source, not the submission"


def test_wrong_nbformat_is_recorded(graded):
    rows, _ = graded
    assert rows["wrong_nbformat"]["status"] == "invalid notebook" and float(rows["wrong_nbformat"]["score"]) == 0


def test_nothing_escaped_onto_the_host():
    for d in ["/root", "/work", "/etc"]:
        assert not os.path.exists(f"{d}/pwned"), f"{d}/pwned was written"
