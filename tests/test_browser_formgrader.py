"""The formgrader in a real browser, started as README.md says for grading written answers by
hand: `cd OUT_DIR && ../.venv/bin/jupyter lab` in a folder `lstm-course grade` wrote; the
Nbgrader menu -> Formgrader -> Manual Grading lists 01_gates, its notebook
and the student's submission as needing a manual grade.

Headless Chromium (Debian's package) driven by Playwright, with the helpers of browser_util.py.
Screenshots go to test-artifacts/browser/formgrader/. Skipped, with the reason, only where
Chromium is missing and cannot be installed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from browser_util import ARTIFACTS, BIN, Lab, LabPage, chromium_or_skip, free_port, \
    launch_browser, stop_lab, wait_lab
from conftest import A, REPO, lstm_course, needs_sandbox, release_nb, with_solutions, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser"), needs_sandbox]

SHOTS = ARTIFACTS / "formgrader"


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("formgrader")
    write_submission(base / "submitted", "alice", with_solutions(release_nb()))
    r = subprocess.run(lstm_course() + ["grade", str(base / "submitted"), "--out", str(base / "grades"), "--quiet"],
                       cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    return base


def _lab_in(folder, home, log) -> Lab:
    """JupyterLab started in `folder` as README.md says (the venv's jupyter, not on PATH), with
    a HOME whose Lab settings suit a test (no news pop-up)."""
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = free_port(), os.urandom(16).hex()
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--ServerApp.token={token}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=folder, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
                                                      "LANG": "C.UTF-8"},
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return wait_lab(Lab(f"http://127.0.0.1:{port}", token, folder, proc, log), 180)


def test_formgrader_manual_grading_lists_the_written_answers_to_grade(chromium, graded, tmp_path):
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    lab = _lab_in(graded / "grades", tmp_path / "home", SHOTS / "jupyter-lab.log")
    from playwright.sync_api import sync_playwright
    try:
        with sync_playwright() as p:
            context, profile = launch_browser(p, chromium)
            page = LabPage(context.new_page(), lab, SHOTS)
            try:
                page.open_lab()
                page.command("Nbgrader", "nbgrader:open-formgrader")
                frame = page.page.frame_locator("iframe[src*='formgrader']")
                frame.locator("table tr", has_text=A).first.wait_for(timeout=120_000)
                page.shot("01-formgrader")
                frame.locator(".nav a", has_text="Manual Grading").click()
                frame.locator("ol.breadcrumb li.active", has_text="Manual Grading").wait_for()
                frame.locator("#main-table tr td.name a", has_text=A).first.click()
                row = frame.locator("#main-table tr", has_text=A).first
                row.locator("td.needs-manual-grade span").wait_for(timeout=60_000)
                page.shot("02-manual-grading-notebooks")
                row.locator("td.name a").first.click()
                student = frame.locator("#main-table tr", has_text="Submission #1").first  # names hidden
                student.locator("td.needs-manual-grade span").wait_for(timeout=60_000)
                assert "needs manual grade" in (student.locator("td.needs-manual-grade").get_attribute("data-search") or "")
                page.shot("03-manual-grading-submissions")
            finally:
                page.save_console("formgrader")
                context.close()
                shutil.rmtree(profile, ignore_errors=True)
    finally:
        stop_lab(lab)
