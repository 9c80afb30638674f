"""nbgrader preprocessors that close nbgrader's traps (docs/ARCHITECTURE.md lists them).

- `StripTags` (sanitize step): drops every cell's tags from a submission, so a student cannot
  add `skip-execution` (or any tag nbclient honours) to a locked test cell.
- `StderrToStdout` (autograde step, instead of `IgnorePattern`): nbgrader scores a test cell 0
  when it wrote anything to stderr, so a correct answer that triggers a numpy RuntimeWarning
  would lose its points. Tests here fail only by raising; stderr is kept visible (prefixed)
  but moved to stdout so it no longer counts as a failure.
- `HideHiddenTests` (feedback step): removes the hidden-test regions from the feedback and
  shortens the traceback of a failing hidden test to its error message (nbgrader#1363).
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Unicode

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"


class StripTags(NbGraderPreprocessor):
    """Remove all cell tags from a submitted notebook before it is executed."""

    def preprocess_cell(self, cell, resources, index):
        cell.metadata.pop("tags", None)
        return cell, resources


class StderrToStdout(NbGraderPreprocessor):
    """Turn stderr stream outputs into stdout ones so they do not zero a test cell."""

    prefix = Unicode("[stderr] ", help="Prefix for each moved stderr block").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
                    output["text"] = self.prefix + output.get("text", "")
        return cell, resources


def strip_hidden_region(source: str, placeholder: str = "# (hidden tests)") -> tuple[str, bool]:
    """Return `source` with every hidden-test region replaced by one placeholder line."""
    out, hidden, removed = [], False, False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden, removed = True, True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + placeholder)
            continue
        if END_HIDDEN in line:
            hidden = False
            continue
        if not hidden:
            out.append(line)
    return "\n".join(out), removed


class HideHiddenTests(NbGraderPreprocessor):
    """Keep hidden tests out of the feedback: their code and their traceback frames."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell):
            return cell, resources
        cell.source, removed = strip_hidden_region(cell.source)
        if removed:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    # the frames would show the hidden code; the message is what helps
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
