"""`CourseExecute`: nbgrader's Execute step, with each kernel started by a `KernelLauncher` and
a per-cell output budget."""
from __future__ import annotations

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from ..sandbox.kernels import KernelLauncher
from ..sandbox.policy import Policy, available


class CourseExecute(Execute):
    """nbgrader's Execute, whose kernel comes from `launcher` (the grading worker's; see
    `CourseAutograde`), and which stops storing a cell's output once it has produced
    `max_output_bytes` (errors are always kept: nbgrader re-adds the execute reply's error).

    Run by stock `nbgrader autograde` (no launcher given), each notebook gets a launcher of
    its own: a bubblewrap process where bubblewrap works, a plain process where it does not."""

    max_output_bytes = Integer(2_000_000, config=True, help="bytes of output kept per cell")

    launcher: KernelLauncher | None = None

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
