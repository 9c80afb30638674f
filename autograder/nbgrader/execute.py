"""`CourseExecute`: nbgrader's Execute step, with each kernel started by a `KernelLauncher`, a
per-cell output budget, the grader's paths kept out of the outputs, and the cell that was
running named when the kernel dies."""
from __future__ import annotations

import asyncio
import time

from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from ..sandbox.kernels import KernelLauncher
from ..sandbox.policy import Policy, available
from .preprocessors import scrub_outputs


def describe_cell(cell, index: int) -> str:
    """A cell as a student finds it in their notebook: its grade id where it has one, its
    number (1 = the first cell) and its first line, e.g.
    "cell `sigmoid_code` (cell 5: `def sigmoid(x): ...`)"."""
    lines = [ln.strip() for ln in (cell.get("source") or "").splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if len(first) > 60:
        first = first[:57].rstrip() + " ..."
    elif len(lines) > 1:
        first += " ..."
    where = f"cell {index + 1}" + (f": `{first}`" if first else "")
    grade_id = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
    return f"cell `{grade_id}` ({where})" if grade_id else where


class CourseExecute(Execute):
    """nbgrader's Execute, whose kernel comes from `launcher` (the grading worker's; see
    `CourseAutograde`), and which stops storing a cell's output once it has produced
    `max_output_bytes` (errors are always kept: nbgrader re-adds the execute reply's error).

    Run by stock `nbgrader autograde` (no launcher given), each notebook gets a launcher of
    its own: a bubblewrap process where bubblewrap works, a plain process where it does not.

    Each executed cell's outputs have the grader's paths rewritten (`scrub_outputs`: the
    autograded notebook, and so the feedback, name `<site-packages>/numpy/...`, not the
    venv under the grader's folder). When the kernel dies in a cell, the DeadKernelError
    names that cell (`describe_cell`), and `deaths` (a dict given by `CourseAutograde`)
    gets {notebook: the cell}."""

    max_output_bytes = Integer(2_000_000, config=True, help="bytes of output kept per cell")
    scrub = Bool(True, config=True, help="rewrite the grader's paths in the outputs (off: the kernel's own words, "
                                         "for tests of the sandbox itself)")

    launcher: KernelLauncher | None = None
    deaths: dict | None = None
    phases: dict | None = None  # seconds of "kernel start", "execute", "kernel stop" (given by CourseAutograde)

    async def _async_poll_kernel_alive(self) -> None:
        """nbclient's check, beside every running cell, that the kernel still lives: nbclient
        looks once a second, so a kernel that dies in a cell (most die early in one) was seen
        dead ~1 s later, a second of idle worker per such student. Here the first look is
        after 50 ms, then twice as long each time up to nbclient's second: a death is seen
        within ~0.1 s, and a long cell is not looked at more often than nbclient does."""
        delay = 0.05
        while True:
            await asyncio.sleep(delay)
            delay = min(1.0, 2 * delay)
            try:
                await self._async_check_alive()
            except DeadKernelError:
                assert self.task_poll_for_reply is not None
                self.task_poll_for_reply.cancel()
                return

    def _add(self, phase: str, since: float) -> None:
        if self.phases is not None:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - since

    async def async_start_new_kernel(self, **kwargs):
        since = time.perf_counter()
        try:
            await super().async_start_new_kernel(**kwargs)
        finally:
            self._add("kernel start", since)

    async def async_start_new_kernel_client(self):
        since = time.perf_counter()
        try:
            return await super().async_start_new_kernel_client()
        finally:
            self._add("kernel start", since)

    async def _async_cleanup_kernel(self) -> None:
        since = time.perf_counter()
        try:
            await super()._async_cleanup_kernel()
        finally:
            self._add("kernel stop", since)

    # nbclient binds these sync names to its own coroutines when its class is made: rebind them
    # to the timed ones above
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        if self.launcher is None:
            self.launcher = KernelLauncher(Policy(sandbox=available() is None, fork_server=False))
        self.km = self.launcher.kernel_manager(self.kernel_name, config=self.config)
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        kind = msg.get("msg_type")
        if kind in ("stream", "display_data", "execute_result", "update_display_data"):
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            used = getattr(self, "_used", {})
            self._used = used
            total = used.get(cell_index, 0) + size
            used[cell_index] = total
            if total > self.max_output_bytes:
                if total - size <= self.max_output_bytes:
                    outs.append(new_output("stream", name="stdout",
                                           text=f"\n[output truncated by the grader: more than {self.max_output_bytes} bytes]\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)

    def preprocess(self, nb, resources=None, km=None):
        folder = ((resources or {}).get("metadata") or {}).get("path")
        self._folders = {folder: "<your folder>"} if folder else {}
        converter = getattr(self.parent, "parent", None)  # the exporter's converter
        root = getattr(getattr(converter, "coursedir", None), "root", None)
        if root:
            self._folders[root] = "<grader>"
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        since = time.perf_counter()
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError as exc:
            where = describe_cell(cell, index)
            if self.deaths is not None:
                self.deaths[((resources or {}).get("nbgrader") or {}).get("notebook")] = where
            raise DeadKernelError(f"Kernel died while running {where}") from exc
        finally:
            self._add("execute", since)
        if self.scrub:
            scrub_outputs(cell, getattr(self, "_folders", None))
        return cell, resources
