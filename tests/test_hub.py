"""The whole term on the classroom's JupyterHub, in a real browser.

`lstm-course hub` is started as an instructor would (real JupyterHub, configurable-http-proxy
from npm, PAM, a server per Unix user, nbgrader's exchange), and headless Chromium (Debian's,
driven by Playwright) plays every part:

1. the instructor logs in and releases 01_gates from the formgrader;
2. three students log in as themselves and fetch it from the Assignment List: ada completes it
   in the browser (types `sigmoid` key by key, pastes the other answers), ben does part of it
   (his notebook written as ben), cleo leaves it untouched; each presses Validate and Submit;
   ben submits again, with one more function done;
   the grading service the hub started grades each submission as it arrives and releases its
   feedback: each student fetches it and reads their score before the instructor does anything;
3. the instructor collects in the formgrader, grades with `lstm-course grade` (as the
   instructor, into the course's gradebook), and the formgrader shows the scores and the
   written answers to grade by hand;
4. the hub is stopped with Ctrl-C in the middle of the term (nothing it started survives) and
   started again: the scores, the submissions and the logins are still there;
5. cleo submits again after the collection, under another name: `nbgrader collect` says so and
   keeps the graded one; `collect --update` takes the new one, which is graded as 01_gates and
   said so;
6. the instructor releases the feedback; each student fetches it and sees their own score;
7. a student cannot open another's server; the command refuses to run without root;
8. SIGTERM stops the hub, its proxy and every server (nothing left).

Screenshots, named by step, the hub's log and the command's output go to test-artifacts/hub/.
Skipped, with the reason, where the hub cannot run: not root, no Node.js, no Chromium.
"""
from __future__ import annotations

import csv
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser_util import CHROMIUM_ARGS, LabPage, chromium_or_skip, strip_solution_markers
from conftest import A, BIN, NB, REPO, release_nb, solution_nb
from hub_util import HubCommand, Room, fresh_room, remove_users, still_running, uid_processes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

INSTRUCTOR = "lhub-teacher"
ADA, BEN, CLEO = STUDENTS = ["lhub-ada", "lhub-ben", "lhub-cleo"]
ROOM = REPO / ".hub-test-term"
SHOTS = REPO / "test-artifacts" / "hub"
RENAMED = "01_gates-mine"  # the name cleo saves her late notebook under
SIGMOID = '''def sigmoid(x):
    """Stable logistic sigmoid: exp only ever sees -|x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))'''
ANSWER = "Multiplied by f = 0.9 at each step: 0.9**10 = 0.35 is left after 10 steps. (Hub test answer.)"

STATE: dict = {}  # what the steps share, in order; a step whose predecessor failed is skipped


def _after(step: str) -> None:
    if step not in STATE.get("done", set()):
        pytest.skip(f"an earlier step ({step}) did not complete")


def _done(step: str) -> None:
    STATE.setdefault("done", set()).add(step)


# -- the notebooks --------------------------------------------------------------------------

def _answers() -> dict[str, str]:
    from autograder.nbgrader.cells import is_solution, nbgrader_meta
    return {nbgrader_meta(c)["grade_id"]: c.source for c in solution_nb().cells if is_solution(c)}


def _notebook(done: list[str]) -> str:
    """The release of 01_gates with the reference answers of the cells `done`."""
    import nbformat
    from autograder.nbgrader.cells import nbgrader_meta
    nb, answers = release_nb(), _answers()
    for c in nb.cells:
        gid = nbgrader_meta(c).get("grade_id")
        if gid in done:
            c.source = answers[gid]
    return nbformat.writes(nb)


# -- the hub and the browser ----------------------------------------------------------------

@dataclass
class HubLab:
    """What LabPage needs of a server: its pages' addresses (the hub's cookie authenticates)."""
    url: str

    def page_url(self, path: str, **query) -> str:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{self.url}/{path.lstrip('/')}" + (f"?{q}" if q else "")


@pytest.fixture(scope="module")
def chromium() -> str:
    if os.geteuid() != 0:
        pytest.skip("the classroom's hub runs as root (it creates Unix users and starts a server as each)")
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("Node.js and npm are needed for JupyterHub's proxy (configurable-http-proxy)")
    import importlib.util
    if importlib.util.find_spec("jupyterhub") is None:
        pytest.skip("JupyterHub is not installed in the venv: run `make setup`")
    if not (REPO / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        r = subprocess.run(["make", "-C", str(REPO), "node_modules/.package-lock.json"], capture_output=True,
                           text=True, timeout=900)
        if r.returncode != 0:
            pytest.skip(f"configurable-http-proxy could not be installed with npm ci: {r.stderr.strip()[-300:]}")
    return chromium_or_skip("the end-to-end test")


@pytest.fixture(scope="module")
def shots():
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture(scope="module")
def hub(chromium, shots):
    users = [INSTRUCTOR, *STUDENTS]
    fresh_room(ROOM, users)
    cmd = HubCommand(ROOM, INSTRUCTOR, STUDENTS, shots)
    STATE["start"] = time.monotonic()
    cmd.start()
    room = Room(ROOM, INSTRUCTOR)
    for user in users:  # JupyterLab settings that suit a test: every cell in the DOM, no news
        settings = room.home(user) / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
        for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                               "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}
                               }.items():
            room.ok(user, ["mkdir", "-p", str((settings / plugin).parent)])
            room.write(user, settings / f"{plugin}.jupyterlab-settings", json.dumps(values))
    yield cmd, room
    cmd.kill()
    if (ROOM / "hub" / "jupyterhub.log").exists():
        shutil.copy(ROOM / "hub" / "jupyterhub.log", shots / "jupyterhub.log")
    remove_users(users)
    shutil.rmtree(ROOM, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Person:
    """A user in their own browser context (their own cookies), on their JupyterLab."""

    def __init__(self, browser, cmd: HubCommand, user: str):
        self.user, self.cmd = user, cmd
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.lab = LabPage(self.context.new_page(), HubLab(f"{cmd.url.rstrip('/')}/user/{user}"), SHOTS)
        self.page = self.lab.page
        self.page.set_default_timeout(300_000)

    def shot(self, step: str, what: str) -> None:
        self.lab.shot(f"{step}-{self.user.split('-')[-1]}-{what}")

    def login(self, step: str) -> None:
        self.page.goto(f"{self.cmd.url}hub/login")
        self.page.fill("#username_input", self.user)
        self.page.fill("#password_input", self.cmd.passwords[self.user])
        self.shot(step, "login")
        self.page.click("#login_submit")
        self.lab.menu("Nbgrader").wait_for(timeout=600_000)  # the server starts as the user, then Lab loads
        assert self.page.url.startswith(f"{self.cmd.url}user/{self.user}/lab"), self.page.url

    def start_server(self) -> None:
        """Back after a restart of the hub: the login cookie still holds; the server starts
        again (as a user would, from the hub's page: /hub/spawn starts it, then opens Lab)."""
        self.page.goto(f"{self.cmd.url}hub/spawn/{self.user}")
        self.lab.menu("Nbgrader").wait_for(timeout=600_000)
        assert self.page.url.startswith(f"{self.cmd.url}user/{self.user}/lab"), self.page.url

    def home(self) -> None:
        self.page.goto(self.lab.lab.page_url("lab", reset=""))
        self.lab.menu("Nbgrader").wait_for(timeout=600_000)

    def assignment_list(self):
        self.lab.command("Nbgrader", "nbgrader:open-assignment-list")
        panel = self.page.locator("#nbgrader-assignment-list")
        panel.wait_for()
        return panel

    def validate(self, step: str, what: str):
        button = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar .validate-button")
        button.click()
        dialog = self.page.locator(".jp-Dialog", has_text="Validation Results")
        dialog.wait_for(timeout=600_000)
        self.shot(step, what)
        text = dialog.locator("#validation-message").inner_text()
        dialog.locator(".jp-mod-accept").click()
        return text

    def submit(self, step: str, what: str, submissions: int) -> None:
        panel = self.assignment_list()
        fetched = panel.locator("#fetched_assignments_list .list_item", has_text=A).first
        fetched.locator("button", has_text="Submit").click()
        submitted = panel.locator("#submitted_assignments_list .list_item", has_text=A).first
        self.page.wait_for_function(
            "n => document.querySelectorAll('#submitted_assignments_list .nested_list_item').length >= n",
            arg=submissions, timeout=300_000)
        self.shot(step, what)
        assert submitted.locator(".nested_list_item").count() == submissions

    def fetch_feedback(self, step: str, what: str):
        """Fetch Feedback in the Assignment List; the link to the latest submission's feedback
        (each submission has its own, the grading service's; the latest is listed last)."""
        panel = self.assignment_list()
        item = panel.locator("#submitted_assignments_list .list_item", has_text=A).first
        item.locator("button", has_text="Fetch Feedback").click()
        # fetched when no submission is left "(feedback available to fetch)": an earlier
        # submission's link may be there already, and `.last` is only the latest once it is done
        panel.locator("#submitted_assignments_list", has_text="feedback available to fetch").first.wait_for(
            state="detached", timeout=300_000)
        view = panel.locator("#submitted_assignments_list a", has_text="view feedback").last
        view.wait_for(timeout=300_000)
        self.shot(step, what)
        return view


def _person(browser, cmd, user) -> Person:
    people = STATE.setdefault("people", {})
    if user not in people:
        people[user] = Person(browser, cmd, user)
    return people[user]


def _formgrader(p: Person):
    """The formgrader, in its own tab: JupyterHub >= 4.1 forbids framing a user's server
    (Content-Security-Policy frame-ancestors 'none'), so Lab's Formgrader panel stays blank;
    nbgrader's documentation says to open it this way (docs/CLASSROOM.md)."""
    p.page.goto(p.lab.lab.page_url("formgrader"))
    return p.page


def _rows(room: Room) -> dict[str, dict]:
    return {r["student_id"]: r for r in csv.DictReader(open(room.course / "grades" / "grades.csv"))}


def _grade(room: Room) -> str:
    """`lstm-course grade` as the instructor, in the course folder, into its gradebook."""
    out = room.ok(INSTRUCTOR, [str(room.bin / "lstm-course"), "grade", "submitted", "--out", "grades", "--db",
                               f"sqlite:///{room.course / 'gradebook.db'}", "--workers", "2", "--quiet"],
                  cwd=room.course)
    (SHOTS / f"grade-{len(STATE.setdefault('grades', [])) + 1}.txt").write_text(out)
    STATE["grades"].append(out)
    return out


def _stopped_cleanly(cmd: HubCommand, sig: int, group: bool, via_make: bool = False) -> None:
    users = {pwd.getpwnam(u).pw_uid for u in [INSTRUCTOR, *STUDENTS]}
    rc, err, before, took = cmd.stop(sig, group)
    (SHOTS / f"stop-{cmd.starts}.txt").write_text(f"exit {rc} after {took:.1f} s\n{err}\n{before}\n")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if via_make:  # make names its recipe's exit status on a line of its own, then dies of the same signal
        # ("make[1]: ..." where this suite itself runs under make, as `make test` does)
        assert rc == -sig and lines[1:] and re.match(r"make(\[\d+\])?: \*\*\* \[", lines[-1]) \
            and f"Error {128 + sig}" in lines[-1], (rc, err)
        lines = lines[:-1]
    else:
        assert rc == 128 + sig, f"exit status {rc} (wanted {128 + sig}):\n{err}"
    assert len(lines) == 1 and "Traceback" not in err, f"more than one line on stopping:\n{err}"
    assert lines[0].startswith("lstm-course hub: stopped JupyterHub, its proxy, the grading service and"), lines
    assert any("configurable-http-proxy" in c for _, c in before.values()), before
    time.sleep(1)
    left = still_running(before)
    assert not left, f"still running after the hub stopped: {left}"
    assert not uid_processes(users), f"processes of the classroom's users left: {uid_processes(users)}"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", cmd.port)) != 0, f"something still listens on port {cmd.port}"
    assert took < 60, f"stopping took {took:.0f} s"


# -- the term -------------------------------------------------------------------------------

def test_1_instructor_releases_from_the_formgrader(hub, browser):
    cmd, room = hub
    me = _person(browser, cmd, INSTRUCTOR)
    me.login("01")
    me.shot("02", "lab-course-folder")
    frame = _formgrader(me)
    row = frame.locator("table tr", has_text=A).first
    row.wait_for(timeout=300_000)
    assert row.locator("td.status").inner_text().strip() == "draft"
    me.shot("03", "formgrader")
    row.locator("td.release a").click()
    modal = frame.locator(".modal-dialog", has_text="Successfully released")
    modal.wait_for(timeout=300_000)
    me.page.wait_for_timeout(800)
    me.shot("04", "released")
    modal.locator(".modal-footer button").last.click()
    row.locator("td.status", has_text="released").wait_for()
    assert (room.exchange / "outbound" / A / NB).exists()
    _done("release")


def test_2_students_fetch_work_validate_and_submit(hub, browser):
    _after("release")
    cmd, room = hub
    answers = _answers()
    for s in STUDENTS:
        p = _person(browser, cmd, s)
        p.login("05")
        panel = p.assignment_list()
        released = panel.locator("#released_assignments_list .list_item", has_text=A)
        released.wait_for()
        released.locator("button", has_text="Fetch").click()
        panel.locator("#fetched_assignments_list .list_item", has_text=A).first.wait_for()
        p.shot("06", "fetched")
        assert (room.home(s) / A / NB).is_file()

    # ben's part: sigmoid done, written into his notebook as ben (before he opens it)
    room.write(BEN, room.home(BEN) / A / NB, _notebook(["sigmoid_code"]))

    # ada, in the browser: sigmoid typed key by key, the other answers pasted
    ada = _person(browser, cmd, ADA)
    ada.lab.open(f"{A}/{NB}")
    cells = ada.lab.cells()
    n = len(release_nb().cells)
    ada.lab.wait_cells(n)
    from autograder.nbgrader.cells import nbgrader_meta
    for i, c in enumerate(release_nb().cells):
        if not nbgrader_meta(c).get("solution"):  # code to write, or a written answer
            continue
        gid = nbgrader_meta(c)["grade_id"]
        if gid == "sigmoid_code":
            ada.lab.type_function(cells.nth(i), SIGMOID)
            ada.lab.scroll_to(cells.nth(i))
            ada.shot("07", "typed-sigmoid")
        elif c.cell_type == "code":
            ada.lab.replace_code(cells.nth(i), strip_solution_markers(answers[gid]))
        else:
            ada.lab.replace_markdown(cells.nth(i), ANSWER)
    text = ada.validate("08", "validated")
    assert "Success! Your notebook passes all the tests." in text, text
    saved = json.loads((room.home(ADA) / A / NB).read_text())
    assert "".join(next(c["source"] for c in saved["cells"]
                        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "sigmoid_code")) == SIGMOID

    for s, what in [(BEN, "validated-partial"), (CLEO, "validated-untouched")]:
        p = _person(browser, cmd, s)
        p.lab.open(f"{A}/{NB}")
        text = p.validate("08", what)
        assert "Success!" not in text, f"{s}'s unfinished notebook passed validation:\n{text}"
        assert "NotImplementedError" in text, text

    for s in STUDENTS:
        p = _person(browser, cmd, s)
        p.home()
        p.submit("09", "submitted", 1)

    # ben does one more function and submits again: both submissions stay, with their times
    ben = _person(browser, cmd, BEN)
    room.write(BEN, room.home(BEN) / A / NB, _notebook(["sigmoid_code", "tanh_code"]))
    time.sleep(1.5)  # nbgrader's timestamps are to the microsecond; the list shows seconds
    ben.submit("10", "submitted-twice", 2)
    assert len(room.inbound(BEN)) == 2
    _done("submit")


def _served(room: Room, submissions: int, timeout: float = 600) -> str:
    """Wait until the hub's grading service has released `submissions` submissions; its status."""
    served = room.course / "served"
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        if (served / ".service" / "queue.db").exists():
            r = subprocess.run([str(BIN / "lstm-course"), "serve", "--out", str(served), "--status"],
                               capture_output=True, text=True, timeout=60)
            text = r.stdout
            if f"{submissions} submission(s): 0 queued, 0 grading, 0 graded, {submissions} released" in text:
                return text
        time.sleep(2)
    raise AssertionError(f"the grading service did not release {submissions} submissions within {timeout:.0f} s:\n"
                         f"{text}\n{(room.hub / 'serve.log').read_text() if (room.hub / 'serve.log').exists() else ''}")


def test_2_each_student_gets_feedback_without_the_instructor(hub, browser):
    """The grading service the hub started graded each submission as it arrived and released its
    feedback: each student fetches it from the Assignment List and reads their score, before the
    instructor has collected anything."""
    _after("submit")
    cmd, room = hub
    status = _served(room, 4)  # ada, ben twice, cleo
    (SHOTS / "serve-status.txt").write_text(status)
    assert not (room.course / "submitted").exists() or not any((room.course / "submitted").iterdir()), \
        "something was collected already"
    rows = {r["student_id"]: r for r in csv.DictReader(open(room.course / "served" / "grades.csv"))}
    assert set(rows) == set(STUDENTS) and all(r["status"] == "graded" for r in rows.values()), rows
    assert float(rows[ADA]["auto_score"]) == float(rows[ADA]["auto_max_score"]) > 0, rows[ADA]
    assert 0 < float(rows[BEN]["auto_score"]) < float(rows[BEN]["auto_max_score"]), rows[BEN]
    assert float(rows[CLEO]["auto_score"]) == 0, rows[CLEO]
    for s in STUDENTS:
        p = _person(browser, cmd, s)
        p.home()
        p.fetch_feedback("10b", "served-feedback-fetched")
        pages = sorted((room.home(s) / A / "feedback").glob(f"*/{A}.html"))
        assert pages, f"{s} has no feedback page from the grading service"
        score, top = float(rows[s]["score"]), float(rows[s]["max_score"])
        p.page.goto(f"{cmd.url}user/{s}/files/{pages[-1].relative_to(room.home(s))}")
        p.page.get_by_text(f"Score: {score:.1f} / {top:.1f}").first.wait_for()
        p.shot("10b", "served-feedback-page")
    _done("served")


def test_3_instructor_collects_grades_and_sees_scores(hub, browser):
    _after("served")
    cmd, room = hub
    me = _person(browser, cmd, INSTRUCTOR)
    me.home()
    frame = _formgrader(me)
    row = frame.locator("table tr", has_text=A).first
    row.wait_for(timeout=300_000)
    row.locator("td.collect a").click()
    modal = frame.locator(".modal-dialog", has_text="Successfully collected")
    modal.wait_for(timeout=300_000)
    me.page.wait_for_timeout(800)
    me.shot("11", "collected")
    modal.locator(".modal-footer button").last.click()
    latest_ben = room.inbound(BEN)[-1]
    assert (room.course / "submitted" / BEN / A / "timestamp.txt").read_text() == \
        (latest_ben / "timestamp.txt").read_text(), "ben's latest submission was not the one collected"

    _grade(room)
    rows = _rows(room)
    assert set(rows) == set(STUDENTS), rows
    top = float(rows[ADA]["auto_max_score"])
    assert float(rows[ADA]["auto_score"]) == top > 0, rows[ADA]
    assert 0 < float(rows[BEN]["auto_score"]) < top, rows[BEN]
    assert float(rows[CLEO]["auto_score"]) == 0, rows[CLEO]
    cells = [c for c in csv.DictReader(open(room.course / "grades" / "cells.csv")) if c["student_id"] == BEN]
    assert float(next(c["score"] for c in cells if c["grade_id"] == "tanh_values")) > 0, \
        "ben's tanh (his second submission) was not graded"
    STATE["scores"] = {s: (float(r["score"]), float(r["max_score"])) for s, r in rows.items()}

    _check_formgrader_scores(me, "12", rows)
    _done("grade")


def _check_formgrader_scores(me: Person, step: str, rows: dict) -> None:
    """The formgrader's submissions of 01_gates: each student's score, the written answers to grade."""
    me.page.goto(me.lab.lab.page_url(f"formgrader/manage_submissions/{A}"))
    for s, r in rows.items():
        tr = me.page.locator("table tr", has_text=s).first
        tr.wait_for(timeout=120_000)
        score = tr.locator(".score").inner_text().strip()
        assert score == f"{float(r['auto_score']):g} / {float(r['max_score']):g}", (s, score, r)
        assert "needs manual grading" in tr.locator(".status").inner_text(), s
    me.shot(step, "formgrader-scores")
    me.page.goto(me.lab.lab.page_url(f"formgrader/gradebook/{A}/{A}"))
    me.page.locator("table tr", has_text=ADA).first.wait_for(timeout=120_000)
    me.shot(step, "formgrader-manual-grading")


def test_4_hub_restarted_mid_term_keeps_everything(hub, browser):
    _after("grade")
    cmd, room = hub
    logins = dict(cmd.passwords)
    _stopped_cleanly(cmd, signal.SIGINT, group=True)  # Ctrl-C in its terminal
    cmd.start()
    assert cmd.passwords == logins, "the demo passwords changed across the restart"
    me = _person(browser, cmd, INSTRUCTOR)
    me.page.goto(f"{cmd.url}hub/home")  # the login cookie survived (the cookie secret is kept)
    assert "/hub/login" not in me.page.url, "the instructor has to log in again after the restart"
    me.shot("13", "hub-home-after-restart")
    me.start_server()
    _check_formgrader_scores(me, "13", _rows(room))
    for s in STUDENTS:
        assert (room.course / "submitted" / s / A / NB).exists()
    assert len(room.inbound(BEN)) == 2
    _done("restart")


def test_5_a_late_renamed_submission_is_kept_then_graded(hub, browser):
    _after("restart")
    cmd, room = hub
    # cleo, after the collection: her notebook completed and saved under another name
    folder = room.home(CLEO) / A
    room.write(CLEO, folder / f"{RENAMED}.ipynb", _notebook(list(_answers())))
    room.ok(CLEO, ["rm", str(folder / NB)])
    cleo = _person(browser, cmd, CLEO)
    cleo.start_server()
    cleo.submit("14", "late-renamed-submitted", 2)
    first = (room.course / "submitted" / CLEO / A / "timestamp.txt").read_text()

    log = room.nbgrader(INSTRUCTOR, "collect", A, cwd=room.course)
    (SHOTS / "collect-late.txt").write_text(log)
    assert re.search(rf"{CLEO} submitted {A} again at .* after the submission of .* was collected", log), log
    assert (room.course / "submitted" / CLEO / A / "timestamp.txt").read_text() == first, \
        "a plain collect replaced the graded submission"
    assert len(room.inbound(CLEO)) == 2, "the late submission is not in the exchange"
    room.nbgrader(INSTRUCTOR, "collect", "--update", A, cwd=room.course)
    assert (room.course / "submitted" / CLEO / A / f"{RENAMED}.ipynb").exists()

    _grade(room)
    rows = _rows(room)
    assert f"graded {RENAMED}.ipynb as {NB}" in rows[CLEO]["detail"], rows[CLEO]
    assert float(rows[CLEO]["auto_score"]) == float(rows[CLEO]["auto_max_score"]), rows[CLEO]
    for s in (ADA, BEN):
        assert (float(rows[s]["score"]), float(rows[s]["max_score"])) == STATE["scores"][s], (s, rows[s])
    STATE["scores"][CLEO] = (float(rows[CLEO]["score"]), float(rows[CLEO]["max_score"]))
    _done("late")


def test_6_students_fetch_and_read_their_feedback(hub, browser):
    _after("late")
    cmd, room = hub
    log = room.nbgrader(INSTRUCTOR, "release_feedback", A, cwd=room.course)
    (SHOTS / "release-feedback.txt").write_text(log)
    for s in STUDENTS:
        p = _person(browser, cmd, s)
        p.start_server()
        view = p.fetch_feedback("15", "feedback-fetched")
        view.click()
        name = f"{RENAMED}.html" if s == CLEO else f"{A}.html"
        entry = p.page.locator(".jp-DirListing-item", has_text=name).first
        entry.wait_for()
        entry.dblclick()
        p.page.wait_for_timeout(3000)
        p.shot("16", "feedback-in-lab")
        pages = sorted((room.home(s) / A / "feedback").glob(f"*/{name}"))
        assert pages, f"{s} has no feedback page {name}"
        latest = pages[-1]
        score, top = STATE["scores"][s]
        html = latest.read_text()
        assert f"Score: {score:.1f} / {top:.1f}" in html, f"{s}'s page does not show their score {score} / {top}"
        p.page.goto(f"{cmd.url}user/{s}/files/{latest.relative_to(room.home(s))}")
        p.page.get_by_text(f"Score: {score:.1f} / {top:.1f}").first.wait_for()
        p.shot("17", "feedback-page")
        for other in STUDENTS:
            if other != s:
                assert other not in html, f"{s}'s feedback names {other}"
    _done("feedback")


def test_7_a_student_cannot_open_another_students_server(hub, browser):
    _after("release")
    cmd, room = hub
    ben = _person(browser, cmd, BEN)
    r = ben.page.goto(f"{cmd.url}user/{ADA}/lab")
    ben.page.wait_for_timeout(2000)
    ben.shot("18", "cannot-open-ada")
    assert (r is not None and r.status == 403) or "403" in ben.page.content(), \
        f"ben was not refused at ada's address: {ben.page.url} ({r.status if r else None})"
    assert ben.page.locator(".lm-MenuBar-itemLabel").count() == 0, "ben sees a JupyterLab at ada's address"
    # the command itself, run by a user that is not root: a clear refusal, exit 2
    r = room.run(ADA, [str(room.bin / "lstm-course"), "hub", "--dir", str(room.home(ADA) / "x")])
    assert r.returncode == 2 and "must run as root" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_8_sigterm_stops_the_hub_and_everything_it_started(hub, browser):
    _after("release")
    cmd, room = hub
    _stopped_cleanly(cmd, signal.SIGTERM, group=False)
    (SHOTS / "duration.txt").write_text(f"{time.monotonic() - STATE['start']:.0f} s from the first start\n")


def test_9_make_hub_starts_it_and_ctrl_c_stops_it(hub, browser):
    """`make hub` (the rule that installs the proxy from the lock file, then the command), and
    a Ctrl-C in its terminal, which reaches make and the command alike."""
    _after("release")
    cmd, room = hub
    if subprocess.run(["make", "-q", "setup"], cwd=REPO).returncode != 0:
        pytest.skip("`make setup` is not up to date here: `make hub` would reinstall the venv first")
    text = cmd.start(via_make=True)
    assert f"JupyterHub at http://127.0.0.1:{cmd.port}/hub/login" in text, text
    me = _person(browser, cmd, INSTRUCTOR)
    me.start_server()
    me.shot("19", "lab-after-make-hub")
    _stopped_cleanly(cmd, signal.SIGINT, group=True, via_make=True)
    (SHOTS / "duration.txt").write_text(f"{time.monotonic() - STATE['start']:.0f} s from the first start\n")
