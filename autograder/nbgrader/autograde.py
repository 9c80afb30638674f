"""nbgrader's autograde and generate_feedback for one submission, as a grading worker runs them.

`NbGraderAPI.autograde` / `.generate_feedback` build a fresh converter per call; these do the
same steps with two differences: the Execute step starts kernels through the worker's
`KernelLauncher`, and the feedback's HTML exporter (templates compiled) is made once per worker
instead of once per student.
"""
from __future__ import annotations

import os

from nbconvert.writers import FilesWriter
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.utils import capture_log, temp_attrs
from traitlets.config import Config

from ..sandbox.kernels import KernelLauncher
from .execute import CourseExecute


class CourseAutograde(Autograde):
    """nbgrader's Autograde whose CourseExecute steps use `launcher`."""

    def __init__(self, launcher: KernelLauncher, **kwargs):
        self.launcher = launcher
        super().__init__(**kwargs)

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        for pp in self.exporter._preprocessors:
            if isinstance(pp, CourseExecute):
                pp.launcher = self.launcher


class CourseFeedback(GenerateFeedback):
    """nbgrader's GenerateFeedback reusing the exporter kept in `exporters` (one per worker):
    everything per student travels in the resources, so the HTML is the same."""

    def __init__(self, exporters: dict, **kwargs):
        self.exporters = exporters
        super().__init__(**kwargs)

    def start(self) -> None:
        self.init_notebooks()
        self.writer = FilesWriter(parent=self, config=self.config)
        key = self.coursedir.root
        if key not in self.exporters:
            exporter = self.exporter_class(parent=self, config=self.config)
            for pp in self.preprocessors:
                exporter.register_preprocessor(pp)
            self.exporters[key] = exporter
        self.exporter = self.exporters[key]
        currdir = os.getcwd()
        os.chdir(self.coursedir.root)
        try:
            self.convert_notebooks()
        finally:
            os.chdir(currdir)


class SubmissionGrader:
    """autograde + generate_feedback of one student's assignment in an nbgrader course folder
    (`api`: the NbGraderAPI of that folder), with kernels from `launcher`."""

    def __init__(self, api, launcher: KernelLauncher):
        self.api, self.launcher = api, launcher
        self._exporters: dict = {}

    def autograde(self, assignment: str, student: str) -> dict:
        """nbgrader's log of the run: {"success", "log", "error"} (see nbgrader.utils.capture_log)."""
        with temp_attrs(self.api.coursedir, assignment_id=assignment, student_id=student):
            app = CourseAutograde(self.launcher, coursedir=self.api.coursedir, parent=self.api)
            app.force = True
            app.create_student = True
            return capture_log(app)

    def feedback(self, assignment: str, student: str) -> dict:
        c = Config()
        c.HTMLExporter.template_name = "feedback"
        with temp_attrs(self.api.coursedir, assignment_id=assignment, student_id=student):
            app = CourseFeedback(self._exporters, coursedir=self.api.coursedir, parent=self.api)
            app.update_config(c)
            app.force = True
            return capture_log(app)
