"""End to end in a real browser: headless Chromium (Debian's package) driven by Playwright,
against `jupyter lab` started on a copy of the course.

- student: opens notebooks/01_gates in JupyterLab, types `sigmoid` into its cell, runs all and
  sees its visible tests pass (and the next, unfinished exercise's test fail); then completes
  the notebook, restarts and runs all: every visible test passes and the plots render; then
  nbgrader's Validate button reports success.
- instructor: the Nbgrader menu, the formgrader lists 01_gates, releases it, the assignment list
  shows it and fetches it, and the Create Assignment panel shows every cell's nbgrader role,
  id and points as the source notebook has them.
- the classic Notebook 7 interface carries the same extension (menu, Validate button).

Screenshots go to test-artifacts/browser/ (with the server log and the browser console).
Skipped, with the reason, only where Chromium is missing and cannot be installed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from importlib.metadata import version

import pytest

from autograder.run import _only_docstring

from browser_util import (
    ARTIFACTS, BIN, LabPage, chromium_or_skip, launch_browser,
    make_course, nbgrader_cells, start_lab, stop_lab, strip_solution_markers)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

A = "01_gates"
NB = f"{A}/{A}.ipynb"

# What the student types, key by key, into the sigmoid cell (its own words, not the reference).
SIGMOID = '''def sigmoid(x):
    """Stable logistic sigmoid: exp only ever sees -|x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))'''

ANSWER = ("With f = 0.9 and i = 0 the entry is multiplied by 0.9 at each step: 0.9**10 = 0.35 of it "
          "is left after 10 steps and 0.9**50 = 0.005 after 50. (Browser test answer.)")


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def shots():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.iterdir():
        if old.is_file():
            old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="module")
def lab(chromium, shots, tmp_path_factory):
    root, home = make_course(tmp_path_factory.mktemp("browser"), A)
    server = start_lab(root, home, shots / "jupyter-lab.log")
    yield server
    stop_lab(server)


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        context, profile = launch_browser(p, chromium)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, lab, shots, request):
    lp = LabPage(browser.new_page(), lab, shots)
    yield lp
    lp.save_console(request.node.name)
    lp.page.close()


# -- the notebook's structure, from the files -----------------------------------------------

def _is_visible_test(c: dict) -> bool:
    """A test cell the student sees (hidden ones are only a docstring and `pass` in the release)."""
    md = c["nbgrader"]
    return c["cell_type"] == "code" and md.get("grade") and not md.get("solution") \
        and not _only_docstring(c["source"])


def _visible(locator, what: str, timeout: float = 30_000) -> None:
    try:
        locator.first.wait_for(state="visible", timeout=timeout)
    except Exception:  # Playwright's TimeoutError: say what is missing instead
        pytest.fail(f"{what} did not appear within {timeout / 1000:.0f} s")


# -- tests ----------------------------------------------------------------------------------

def test_labextension_list_reports_nbgrader_enabled():
    r = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True,
                       timeout=120)
    out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
    want = rf"@jupyter/nbgrader v{re.escape(version('nbgrader'))}\s+enabled\s+OK"
    assert re.search(want, out), f"nbgrader's lab extension is not enabled and OK:\n{out}"
    assert "not compatible" not in out, out


def test_student_types_runs_and_validates(page, lab):
    cells = nbgrader_cells(lab.root / "notebooks" / NB)
    reference = {c["nbgrader"].get("grade_id"): c for c in nbgrader_cells(lab.root / "solutions" / NB)}
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    answers = [i for i, c in enumerate(cells) if c["nbgrader"].get("solution") and c["cell_type"] == "code"]
    written = [i for i, c in enumerate(cells) if c["nbgrader"].get("solution") and c["cell_type"] == "markdown"]
    sig = next(i for i in answers if "def sigmoid(" in cells[i]["source"]
               and "NotImplementedError" in cells[i]["source"])
    nxt = next(i for i in answers if i > sig)
    sigmoid_tests = [i for i in range(sig + 1, nxt) if _is_visible_test(cells[i])]
    next_test = next(i for i in range(nxt + 1, len(cells)) if _is_visible_test(cells[i]))
    plots = [i for i in code if not cells[i]["nbgrader"] and "plt.show()" in cells[i]["source"]]
    assert sigmoid_tests and plots, "01_gates should have visible sigmoid tests and plot cells"

    # 1. Open the release notebook: the nbgrader extension is there (menu, Validate button).
    page.open(f"notebooks/{NB}")
    page.wait_cells(len(cells))
    dom = page.cells()
    assert dom.count() == len(cells)
    _visible(page.menu("Nbgrader"), "the Nbgrader menu in JupyterLab")
    validate = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar .validate-button")
    _visible(validate, "nbgrader's Validate button on the notebook toolbar")
    page.shot("student-01-opened")

    # 2. Type sigmoid into its cell, key by key.
    page.type_function(dom.nth(sig), SIGMOID)
    page.scroll_to(dom.nth(sig))
    page.shot("student-02-sigmoid-typed")

    # 3. Run > Run All Cells: the sigmoid tests pass, execution stops at the first unfinished exercise.
    page.command("Run", "runmenu:run-all")
    page.wait_ran(dom.nth(next_test))
    for i in sigmoid_tests:
        assert re.fullmatch(r"\[\d+\]:", page.prompt(dom.nth(i))), f"sigmoid test cell {i} did not run"
        errors = page.error_outputs(dom.nth(i))
        assert errors.count() == 0, f"sigmoid test cell {i} failed:\n{errors.first.inner_text()}"
    failure = page.error_outputs(dom.nth(next_test))
    assert failure.count() >= 1, "the test of the unfinished exercise after sigmoid did not fail"
    assert "NotImplementedError" in failure.first.inner_text()
    assert page.prompt(dom.nth(plots[0])) == "[ ]:", "Run All went on after a failing test"
    page.scroll_to(dom.nth(sigmoid_tests[0]))
    page.shot("student-03-sigmoid-tests-pass")
    page.scroll_to(dom.nth(next_test))
    page.shot("student-04-next-exercise-not-done")

    # 4. Finish the notebook (the other functions pasted from the reference; written answers),
    #    then Kernel > Restart Kernel and Run All Cells.
    for i in answers:
        if i != sig:
            ref = reference[cells[i]["nbgrader"]["grade_id"]]["source"]
            page.replace_code(dom.nth(i), strip_solution_markers(ref))
    for i in written:
        page.replace_markdown(dom.nth(i), ANSWER)
    page.command("Kernel", "runmenu:restart-and-run-all")
    page.page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_ran(dom.nth(code[-1]))
    prompts = [page.prompt(dom.nth(i)) for i in code]
    assert prompts == [f"[{k}]:" for k in range(1, len(code) + 1)], \
        f"not every code cell ran once, top to bottom, in the fresh kernel: {prompts}"
    failed = {cells[i]["nbgrader"].get("grade_id", i): page.error_outputs(dom.nth(i)).first.inner_text()
              for i in code if page.error_outputs(dom.nth(i)).count()}
    assert not failed, f"cells with errors after completing the notebook: {failed}"
    for i in plots:
        assert page.images(dom.nth(i)).count() >= 1, f"no plot rendered by cell {i}:\n{cells[i]['source'][:200]}"
    page.scroll_to(dom.nth(plots[0]))
    page.shot("student-05-all-tests-pass-plot")

    # 5. nbgrader's Validate button (it saves the notebook, then runs `nbgrader validate`).
    validate.click()
    dialog = page.page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=240_000)
    page.shot("student-06-validated")
    message = dialog.locator("#validation-message")
    assert "validation-success" in (message.get_attribute("class") or ""), message.inner_text()
    assert "Success! Your notebook passes all the tests." in message.inner_text()
    dialog.locator(".jp-mod-accept").click()

    # What the browser saved is what was typed.
    saved = page.lab.api(f"contents/notebooks/{NB}?content=1")["content"]["cells"]
    assert saved[sig]["source"] == SIGMOID, f"the typed sigmoid was saved as:\n{saved[sig]['source']}"
    assert all(saved[i]["source"] == ANSWER for i in written)


def test_instructor_formgrader_assignment_list_and_create_assignment(page, lab):
    # The Nbgrader menu has every panel.
    page.open_lab()
    page.open_menu("Nbgrader", "nbgrader:open-assignment-list")
    for command in ("nbgrader:open-assignment-list", "nbgrader:open-course-list",
                    "nbgrader:open-formgrader", "nbgrader:open-create-assignment"):
        _visible(page.menu_item(command), f"the menu item {command}")
    page.shot("instructor-01-nbgrader-menu")
    page.close_menus()

    # Formgrader > Manage Assignments lists 01_gates (from solutions/), and releases it.
    page.command("Nbgrader", "nbgrader:open-formgrader")
    frame = page.page.frame_locator("iframe[src*='formgrader']")
    row = frame.locator("table tr", has_text=A).first
    row.wait_for(timeout=120_000)
    assert row.locator("td.name").inner_text().strip() == A
    assert row.locator("td.status").inner_text().strip() == "draft"
    page.shot("instructor-02-formgrader")
    row.locator("td.release a").click()
    modal = frame.locator(".modal-dialog", has_text="Successfully released")
    modal.wait_for(timeout=120_000)
    page.page.wait_for_timeout(800)  # let Bootstrap's fade-in finish before the screenshot
    page.shot("instructor-03-released")
    modal.locator(".modal-footer button").last.click()
    row.locator("td.status", has_text="released").wait_for()

    # The assignment list (the student's panel) shows it released, and fetches it.
    page.command("Nbgrader", "nbgrader:open-assignment-list")
    panel = page.page.locator("#nbgrader-assignment-list")
    released = panel.locator("#released_assignments_list .list_item", has_text=A)
    released.wait_for()
    released.locator("button", has_text="Fetch").click()
    panel.locator("#fetched_assignments_list .list_item", has_text=A).first.wait_for()
    page.shot("instructor-04-assignment-list-fetched")
    assert (lab.root / NB).is_file(), "Fetch did not put the notebook in the course folder"

    # Create Assignment shows each cell's nbgrader role, id and points as the source has them.
    cells = nbgrader_cells(lab.root / "solutions" / NB)
    page.open(f"solutions/{NB}")
    page.wait_cells(len(cells))
    page.command("Nbgrader", "nbgrader:open-create-assignment")
    widgets = page.page.locator(".nbgrader-CreateAssignmentWidget .nbgrader-CellWidget")
    page.page.wait_for_function(
        f"document.querySelectorAll('.nbgrader-CreateAssignmentWidget .nbgrader-CellWidget').length == {len(cells)}")
    shown = widgets.evaluate_all("""ws => ws.map(w => ({
        type: w.querySelector('.nbgrader-CellType select').value,
        id: w.querySelector('.nbgrader-CellId input').value,
        points: w.querySelector('.nbgrader-CellPoints input').value}))""")

    def role(md):
        if md.get("task"):
            return "task"
        if md.get("solution"):
            return "manual" if md.get("grade") else "solution"
        if md.get("grade"):
            return "tests"
        return "readonly" if md.get("locked") else ""

    want = [(role(c["nbgrader"]), c["nbgrader"].get("grade_id", ""),
             float(c["nbgrader"]["points"]) if c["nbgrader"].get("grade") else None) for c in cells]
    have = [(w["type"], w["id"] if w["type"] else "",
             float(w["points"]) if w["type"] in ("manual", "tests", "task") else None) for w in shown]
    assert have == want, "the Create Assignment panel disagrees with the notebook's nbgrader metadata"
    total = page.page.locator(".nbgrader-CreateAssignmentWidget .nbgrader-TotalPointsInput").input_value()
    assert float(total) == sum(p for _, _, p in want if p)
    sig = next(i for i, c in enumerate(cells) if c["nbgrader"].get("grade_id") == "sigmoid_code")
    page.scroll_to(page.cells().nth(sig))
    page.scroll_to(widgets.nth(sig))
    page.shot("instructor-05-create-assignment")


def test_notebook7_interface_has_the_extension(page, lab):
    """The same extension in Notebook 7 (`jupyter notebook`, the /tree and /notebooks pages)."""
    page.page.goto(lab.page_url("tree"))
    page.menu("Nbgrader").wait_for()
    page.wait_restored()
    page.open_menu("Nbgrader", "nbgrader:open-assignment-list")
    for command in ("nbgrader:open-assignment-list", "nbgrader:open-course-list", "nbgrader:open-formgrader"):
        _visible(page.menu_item(command), f"the menu item {command}")
    page.shot("notebook7-01-tree-nbgrader-menu")
    page.close_menus()
    page.command("Nbgrader", "nbgrader:open-course-list")
    page.page.locator("#nbgrader-course-list .list_item", has_text="lstm-course").first.wait_for()
    page.command("Nbgrader", "nbgrader:open-formgrader")
    frame = page.page.frame_locator("iframe[src*='formgrader']")
    frame.locator("table tr", has_text=A).first.wait_for(timeout=120_000)
    page.shot("notebook7-02-tree-formgrader")
    page.page.goto(lab.page_url(f"notebooks/notebooks/{NB}"))
    _visible(page.page.locator(".jp-Toolbar .validate-button"), "the Validate button in Notebook 7", 60_000)
    page.wait_restored()
    page.open_menu("Nbgrader", "nbgrader:open-create-assignment")
    _visible(page.menu_item("nbgrader:open-create-assignment"), "Create assignment in Notebook 7's Nbgrader menu")
    page.shot("notebook7-03-notebook-validate-button")
