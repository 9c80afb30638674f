"""The course's nbgrader configuration: the one place nbgrader is configured.

`nbgrader_config.py` at the repository root calls `apply(c)`, so stock `nbgrader` commands
run by hand in the repo use the same settings as `lstm-course`.
"""
from __future__ import annotations

import functools
import secrets
from pathlib import Path

from traitlets.config import Config

from ..course import CELL_TIMEOUT, COURSE_ID, REPO

MAX_OUTPUT_LINES = 1000
MAX_TRACEBACK_LINES = 100


def apply(c: Config, *, cell_timeout: int = CELL_TIMEOUT) -> Config:
    """Set the course layout and the hardened grading settings on an nbgrader config."""
    use_inprocess_alembic()
    use_compiled_metadata_schema()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info", ".DS_Store"]

    # Solutions and hidden tests use nbgrader's default markers.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

    # Execution: per-cell timeout; a secret tag name, so a `skip-execution` tag added by a
    # student cannot skip a locked test cell (tags are stripped as well, see StripTags).
    c.Execute.timeout = cell_timeout
    c.Execute.shutdown_kernel = "immediate"  # a graded kernel is thrown away: no polite goodbye to wait for
    c.Execute.skip_cells_with_tag = "lstm-course-skip-" + secrets.token_hex(8)
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
    c.LimitOutput.max_lines = MAX_OUTPUT_LINES
    c.LimitOutput.max_traceback = MAX_TRACEBACK_LINES

    # Deleted test cells come back from the gradebook.
    c.OverwriteCells.add_missing_cells = True

    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, LimitOutput,
        OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

    from .execute import CourseExecute
    from .preprocessors import StderrToStdout, StripTags

    # nbgrader builds its pipelines from these class lists (it offers no other way). Ours in
    # them: StripTags and StderrToStdout (preprocessors.py) and CourseExecute (execute.py),
    # which runs each kernel through the grading worker's KernelLauncher when `CourseAutograde`
    # gives it one (autograde.py), and in a plain or bubblewrap process when stock
    # `nbgrader autograde` runs it. The feedback step's list is set in autograde.py
    # (`configure_feedback`), the release's below.
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, StripTags, CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        CourseExecute, StderrToStdout, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata,
    ]
    from .autograde import configure_feedback
    configure_feedback(c)  # the feedback page (autograde.py)

    # The release: nbgrader's own generate_assignment pipeline (its order, from
    # nbgrader/converters/generate_assignment.py), with QuietHiddenTests (release_cells.py) after
    # ClearHiddenTests and before the last ComputeChecksums, so the release's checksums cover it.
    from nbgrader.preprocessors import (
        ClearHiddenTests, ClearMarkScheme, ClearSolutions, ComputeChecksums, IncludeHeaderFooter,
        InstantiateTests, LockCells, SaveCells)

    from .release_cells import QuietHiddenTests
    c.GenerateAssignment.preprocessors = [
        IncludeHeaderFooter, InstantiateTests, LockCells, ClearSolutions, ClearOutput, CheckCellMetadata,
        ComputeChecksums, SaveCells, ClearHiddenTests, QuietHiddenTests, ClearMarkScheme, ComputeChecksums,
        CheckCellMetadata,
    ]
    return c


def course_config(root: Path | str = REPO, **kwargs) -> Config:
    """A fresh nbgrader Config for a course rooted at `root`."""
    c = Config()
    c.CourseDirectory.root = str(root)
    return apply(c, **kwargs)


def sqlite_path(db_url: str) -> Path | None:
    """The file of an `sqlite:///FILE` gradebook URL (None for any other database)."""
    prefix = "sqlite:///"
    return Path(db_url[len(prefix):]) if db_url.startswith(prefix) else None


@functools.lru_cache(maxsize=None)
def _alembic_head() -> str:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(cfg).get_current_head()


def use_inprocess_alembic() -> None:
    """nbgrader stamps every new gradebook with the schema version it gets by running the
    `alembic` command by name (nbgrader.api.get_alembic_version): it fails with
    FileNotFoundError when the venv's bin/ is not on PATH, and costs a process per gradebook.
    The same value comes from alembic's own API, in this process, once."""
    import nbgrader.api
    nbgrader.api.get_alembic_version = _alembic_head


class _CompiledSchemas:
    """`jsonschema.validate` with each schema's validator built once (stands in for the
    `jsonschema` module in nbgrader's metadata validator, which needs only `validate`)."""

    def __init__(self):
        self._validators: dict[str, object] = {}

    def validate(self, instance, schema) -> None:
        import json

        import jsonschema
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def use_compiled_metadata_schema() -> None:
    """nbgrader checks every cell's nbgrader metadata with `jsonschema.validate`, which checks
    the schema itself again at each call (~7 ms a cell, thousands of calls per class): the
    same check, with the schema's validator built once (nbgrader.nbgraderformat.common)."""
    import nbgrader.nbgraderformat.common as common
    if not isinstance(common.jsonschema, _CompiledSchemas):
        common.jsonschema = _CompiledSchemas()
