"""Helpers for the browser tests (tests/test_browser.py): Chromium, a JupyterLab server, the page.

Chromium is Debian's `chromium` package (Playwright's own browser download is not used: the
machines reach only the package registries), driven by the Python `playwright` package.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts" / "browser"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# -- Chromium and Playwright ----------------------------------------------------------------

def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def ensure_chromium() -> tuple[str | None, str]:
    """The Chromium binary, installing Debian's package once if we are root; else (None, why)."""
    path = find_chromium()
    if path:
        return path, ""
    if not shutil.which("apt-get"):
        return None, "Chromium is not installed and there is no apt-get to install it"
    if os.geteuid() != 0:
        return None, "Chromium is not installed (install it with: sudo apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        r = subprocess.run(["bash", "-c", "apt-get update -qq && apt-get install -y -qq chromium"],
                           capture_output=True, text=True, timeout=900, env=env)
    except subprocess.TimeoutExpired:
        return None, "`apt-get install chromium` did not finish within 15 minutes"
    path = find_chromium()
    if path:
        return path, ""
    tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
    return None, f"`apt-get install chromium` failed (exit {r.returncode}): {' | '.join(tail)}"


def ensure_playwright() -> str:
    """Import Playwright, installing the pinned version from constraints.txt if it is missing.
    Returns '' when it is importable, else why not."""
    try:
        import playwright.sync_api  # noqa: F401
        return ""
    except ImportError:
        pass
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-c", str(REPO / "constraints.txt"), "playwright"],
                       capture_output=True, text=True, timeout=600)
    try:
        import playwright.sync_api  # noqa: F401
        return ""
    except ImportError:
        return f"the playwright package is missing and `pip install playwright` failed: {r.stderr.strip()[-300:]}"


def chromium_or_skip(why_needed: str = "the end-to-end tests") -> str:
    """Chromium's path for a test module's fixture: the module is skipped, with the reason,
    where there is none; a Playwright that cannot be installed fails it."""
    import pytest
    path, why = ensure_chromium()
    if not path:
        pytest.skip(f"no headless browser for {why_needed}: {why}")
    why = ensure_playwright()
    if why:
        pytest.fail(why)
    return path


def launch_browser(playwright, chromium: str):
    """A fresh headless Chromium profile (a persistent context: Playwright passes the profile
    folder as --user-data-dir itself)."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 900})
    return context, profile


# -- JupyterLab -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    proc: subprocess.Popen
    log: Path

    def page_url(self, path: str, **query) -> str:
        q = "&".join([*(f"{k}={v}" for k, v in query.items()), f"token={self.token}"])
        return f"{self.url}/{path.lstrip('/')}?{q}"

    def api(self, path: str, method: str = "GET", body: dict | None = None):
        req = urllib.request.Request(f"{self.url}/api/{path.lstrip('/')}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)


def make_course(tmp: Path, assignment: str) -> tuple[Path, Path]:
    """A throwaway nbgrader course folder (source, release, config, an exchange) and a HOME
    with JupyterLab settings that suit a test (every cell in the DOM, no news pop-up)."""
    root, home, exchange = tmp / "course", tmp / "home", tmp / "exchange"
    for folder in ("solutions", "notebooks"):
        shutil.copytree(REPO / folder / assignment, root / folder / assignment)
    exchange.mkdir(parents=True)
    exchange.chmod(0o777)
    config = (REPO / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        config + f"\n# browser test: a private exchange, so release/fetch work without /usr/local\n"
                 f"c.Exchange.root = {str(exchange)!r}\n")
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for plugin, values in {
        # Lab 4 renders only the cells on screen by default; tests look at every cell.
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return root, home


def start_lab(root: Path, home: Path, log: Path, timeout: float = 120) -> Lab:
    port, token = free_port(), os.urandom(16).hex()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "LSTM_COURSE", "MPLBACKEND", "IPYTHONDIR"))}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
               JUPYTER_CONFIG_DIR=str(home / ".jupyter"), LSTM_COURSE_ROOT=str(root))
    # expose_app_in_browser: the page's `window.jupyterapp`, so a test can wait for the app's
    # own state (its layout restored, every plugin's commands registered) instead of for time.
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={token}", f"--notebook-dir={root}", "--ServerApp.open_browser=False",
           "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    out.close()
    return wait_lab(Lab(f"http://127.0.0.1:{port}", token, root, proc, log), timeout)


def wait_lab(lab: Lab, timeout: float) -> Lab:
    """Wait until a JupyterLab just started answers (stopped, and said why, if it does not)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {lab.proc.returncode}:\n{lab.log.read_text()[-3000:]}")
        try:
            lab.api("status")
            return lab
        except OSError:
            time.sleep(0.5)
    stop_lab(lab)
    raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{lab.log.read_text()[-3000:]}")


def stop_lab(lab: Lab) -> None:
    """SIGTERM to the server's process group (it shuts its kernels down), SIGKILL if it lingers."""
    if lab.proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 5), (signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(lab.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            lab.proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # kernels started by the server live in the same session
        os.killpg(lab.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# -- the notebook, as nbgrader sees it ------------------------------------------------------

def nbgrader_cells(path: Path) -> list[dict]:
    """One dict per cell: type, source, and the nbgrader metadata (empty when none)."""
    nb = json.loads(path.read_text())
    return [{"cell_type": c["cell_type"], "source": "".join(c["source"]),
             "nbgrader": c.get("metadata", {}).get("nbgrader", {})} for c in nb["cells"]]


def strip_solution_markers(source: str) -> str:
    keep = [ln for ln in source.splitlines() if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(keep)


# -- JupyterLab in the page -----------------------------------------------------------------

class LabPage:
    """A Playwright page on JupyterLab, with the few gestures the tests need."""

    def __init__(self, page, lab: Lab, shots: Path):
        self.page, self.lab, self.shots = page, lab, shots
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"[pageerror] {e}"))
        page.set_default_timeout(60_000)

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def open(self, path: str) -> None:
        # `reset`: a fresh workspace, whatever an earlier test left open.
        self.page.goto(self.lab.page_url(f"lab/tree/{path}", reset=""))
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
        self.wait_restored()

    def open_lab(self) -> None:
        self.page.goto(self.lab.page_url("lab", reset=""))
        self.menu("Nbgrader").wait_for()
        self.wait_restored()

    def wait_restored(self) -> None:
        """Wait for JupyterLab's `restored` promise: every plugin activated (nbgrader's commands
        are in the command registry), the layout restored. Only where the server exposes the app
        (start_lab does); elsewhere the menu gestures below still wait for the menus' own state."""
        self.page.evaluate("async () => { if (window.jupyterapp) await window.jupyterapp.restored; }")

    def wait_cells(self, n: int) -> None:
        self.page.wait_for_function(f"document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                                    f".jp-Notebook > .jp-Cell, .jp-NotebookPanel:not(.lm-mod-hidden) "
                                    f".jp-WindowedPanel-viewport > .jp-Cell').length >= {n}")

    def cells(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def menu(self, label: str):
        return self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{label}$")).first

    def menu_item(self, command: str):
        """A main-menu item by its command id (labels change between versions), in an open menu."""
        return self.page.locator(f".lm-Menu li[data-command='{command}']")

    def open_menu(self, menu: str, command: str) -> None:
        """Open the main menu `menu` so that its item `command` is shown. Clicking a menu-bar label
        toggles its menu, so click only when that menu is not open already; close any other first."""
        item = self.menu_item(command)
        if not item.count():
            self.close_menus()
            self.menu(menu).click()
        item.wait_for(state="visible")

    def close_menus(self) -> None:
        """Close whatever menu is open, and wait until it is gone from the page.

        Escape goes to the element with the keyboard focus, which is not always the menu: after
        its layout is restored, JupyterLab opens the launcher and focuses it, which can happen just
        after a menu opened. An Escape sent to the page then reaches the launcher, the menu stays
        open, and the next click on its menu-bar label closes it instead of opening it. So the
        Escape is sent to the open menu itself."""
        menus = self.page.locator(".lm-Menu")
        for _ in range(5):  # a submenu closes first, then its parent
            if not menus.count():
                break
            try:
                menus.last.press("Escape", timeout=5_000)
            except Exception:  # it closed between the count and the key press
                pass
        menus.first.wait_for(state="detached")

    def command(self, menu: str, command: str) -> None:
        """Run a main-menu item as a user does: open the menu, click the item (Playwright waits for
        it to be visible, stable and enabled), and wait for the menu to close behind it."""
        self.open_menu(menu, command)
        self.menu_item(command).click()
        self.page.locator(".lm-Menu").first.wait_for(state="detached")

    def scroll_to(self, locator) -> None:
        locator.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.page.wait_for_timeout(300)

    def replace_code(self, cell, text: str) -> None:
        """Replace a code cell's source in its editor: select all, then insert `text` as a
        paste does."""
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def type_function(self, cell, text: str) -> None:
        """Replace a code cell's source by typing `text` key by key, as a student does: a
        `def` line, then body lines one level deep, which CodeMirror indents after Enter (so
        the body's own indentation is not typed)."""
        lines = text.strip("\n").splitlines()
        assert lines[0].startswith("def ") and all(ln.startswith("    ") and not ln.startswith("     ")
                                                   for ln in lines[1:]), "one flat function body only"
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        for i, line in enumerate(lines):
            if i:
                self.page.keyboard.press("Enter")
            self.page.keyboard.type(line.strip() if i else line)
        self.page.keyboard.press("Escape")

    def replace_markdown(self, cell, text: str) -> None:
        cell.dblclick()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def prompt(self, cell) -> str:
        return cell.locator(".jp-InputArea-prompt").first.inner_text().strip()

    def wait_ran(self, cell, timeout: float = 180) -> None:
        """Wait until `cell` shows an execution count and nothing is queued or running."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.fullmatch(r"\[\d+\]:", self.prompt(cell)) and \
                    self.page.locator(".jp-InputArea-prompt", has_text="[*]").count() == 0:
                return
            self.page.wait_for_timeout(300)
        raise TimeoutError(f"the cell did not run within {timeout} s (prompt {self.prompt(cell)!r})")

    def error_outputs(self, cell):
        """Tracebacks and stderr (JupyterLab renders both with the stderr mime type)."""
        return cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")

    def images(self, cell):
        return cell.locator(".jp-OutputArea-output img")

    def save_console(self, name: str) -> None:
        (self.shots / f"{name}-console.txt").write_text("\n".join(self.console) + "\n")
