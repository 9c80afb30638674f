"""nbgrader's autograde and generate_feedback for one submission, as a grading worker runs them,
and the course's feedback page.

`NbGraderAPI.autograde` / `.generate_feedback` build a fresh converter per call; these do the
same steps with two differences: the Execute step starts kernels through the worker's
`KernelLauncher`, and the feedback's HTML exporter (templates compiled) is made once per worker
instead of once per student.

The feedback page (`configure_feedback`, used by the workers and, through `config.apply`, by
stock `nbgrader generate_feedback` and the formgrader's feedback buttons) is nbgrader's, with
the hidden tests and the grader's paths taken out, written answers not graded yet shown as
pending, and its formulas written as MathML (`FeedbackExporter`): it loads nothing from the
network, so it reads the same offline.
"""
from __future__ import annotations

import functools
import html
import os
import re
from pathlib import Path

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.writers import FilesWriter
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.utils import capture_log, temp_attrs
from traitlets.config import Config

from ..sandbox.kernels import KernelLauncher
from .execute import CourseExecute

TEMPLATES = Path(__file__).with_name("templates")
FEEDBACK_TEMPLATE = "lstm_feedback"  # templates/lstm_feedback: nbgrader's feedback template, adapted


class CourseAutograde(Autograde):
    """nbgrader's Autograde whose CourseExecute steps use `launcher`; `deaths` gets
    {notebook: the cell that was running} for each notebook whose kernel died."""

    def __init__(self, launcher: KernelLauncher, **kwargs):
        self.launcher = launcher
        self.deaths: dict[str, str] = {}
        self.phases: dict[str, float] = {}  # kernel start, execute, kernel stop (CourseExecute)
        super().__init__(**kwargs)

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        for pp in self.exporter._preprocessors:
            if isinstance(pp, CourseExecute):
                pp.launcher = self.launcher
                pp.deaths = self.deaths
                pp.phases = self.phases


# -- the feedback page ------------------------------------------------------------------------

_ROW_SPACE = re.compile(r"\\\\\[\s*-?[\d.]+\s*(?:mm|cm|in|pt|bp|pc|em|ex|mu)\s*\]")
_MTEXT = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_TEXT_ESCAPE = re.compile(r"\\([_%&#$])")  # \text{c\_prev} is c_prev


@functools.lru_cache(maxsize=8192)
def tex_to_mathml(tex: str, display: bool = False) -> str:
    """A formula as MathML (drawn by the browser itself: no script, nothing fetched); the
    LaTeX source, as text, where it cannot be converted."""
    try:
        from latex2mathml.converter import convert
        # a row's extra space (`\\\\[2mm]` in cases) is not understood: a plain new row
        out = convert(_ROW_SPACE.sub(r"\\\\", tex.strip()), display="block" if display else "inline")
        out = _MTEXT.sub(lambda m: m.group(1) + _TEXT_ESCAPE.sub(r"\1", m.group(2)) + m.group(3), out)
        return out.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "", 1)
    except Exception:  # a construct latex2mathml lacks (or the package is missing): readable source
        delim = "$$" if display else "$"
        return f'<code class="tex-fallback">{html.escape(delim + tex + delim)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with math written as MathML instead of left to MathJax."""

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, display=True)

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body)

    def latex_environment(self, name: str, body: str) -> str:
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


_IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)", re.I)
_FOCUSABLE = re.compile(r'<div class="([^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*)"')


def accessible(page: str) -> str:
    """What nbconvert's HTMLExporter does to every page with BeautifulSoup (a parse and a
    re-serialisation of the whole page, ~1 s for a course notebook), done on the text: an
    image without alternative text gets one, and cells' inputs and outputs are focusable."""
    page = _IMG_NO_ALT.sub('<img alt="No description has been provided for this image"', page)
    return _FOCUSABLE.sub(r'<div tabindex="0" class="\1"', page)


class FeedbackExporter(HTMLExporter):
    """The feedback page's exporter: HTMLExporter with the course's template (configured by
    `configure_feedback`) and markdown math rendered as MathML.

    A class's pages share most of their cells (the text and the locked code are the same for
    every student), so a worker renders each markdown cell once; and the accessibility pass
    is done on the page's text (`accessible`) instead of a BeautifulSoup round trip."""

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = self.page(nb, resources, **kw)
        return accessible(page), resources

    def page(self, nb, resources=None, **kw):
        """HTMLExporter's own steps, up to its BeautifulSoup pass (which `accessible` replaces)."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get("highlight_code") or self._highlighter(lexer))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    @functools.lru_cache(maxsize=16)
    def _highlighter(self, lexer) -> "CachedHighlight":
        return CachedHighlight(pygments_lexer=lexer, parent=self)

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        if cell.get("attachments"):
            return self._markdown(source, cell.get("attachments", {}), path)
        return self._markdown_cached(source, path)

    @functools.lru_cache(maxsize=4096)
    def _markdown_cached(self, source: str, path: str) -> str:
        return self._markdown(source, {}, path)

    def _markdown(self, source: str, attachments: dict, path: str) -> str:
        renderer = MathMLRenderer(
            escape=False,
            attachments=attachments,
            embed_images=self.embed_images,
            path=path,
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)


class CachedHighlight(Highlight2HTML):
    """nbconvert's code highlighting, each distinct source highlighted once per process.

    The templates pass every cell's metadata, of which the highlighting reads one key
    (`magics_language`); that key, not the whole metadata (an nbgrader cell's differs from
    student to student), is what the cache is keyed on."""

    @functools.lru_cache(maxsize=4096)
    def _cached(self, source: str, language, magics_language) -> str:
        return super().__call__(source, language, {"magics_language": magics_language} if magics_language else None)

    def __call__(self, source, language=None, metadata=None):
        return self._cached(source, language, (metadata or {}).get("magics_language"))


def configure_feedback(c: Config) -> Config:
    """nbgrader's feedback step as the course makes it: `CourseGetGrades` (GetGrades, with
    written answers not graded yet pending), `HideHiddenTests` and `ScrubPaths`
    (preprocessors.py), then the page by `FeedbackExporter` with the
    templates/lstm_feedback template. Set on the `FeedbackExporter` section only, so the
    formgrader's own HTML exporter is left as nbgrader makes it."""
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    from .preprocessors import CourseGetGrades, HideHiddenTests, ScrubPaths

    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c.GenerateFeedback.preprocessors = [CourseGetGrades, HideHiddenTests, ScrubPaths, CSSHTMLHeaderPreprocessor]
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.FeedbackExporter.template_name = FEEDBACK_TEMPLATE
    c.FeedbackExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates / "templates")]
    # nbgrader's templates folder also as a plain search path: `{% extends 'feedback/...' %}`;
    # and bootstrap.min.css, which nbgrader's template inlines
    c.FeedbackExporter.extra_template_paths = [
        str(nbgrader_templates / "templates"),
        str(nbgrader_templates / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    return c


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
        self.dead_cells: dict[str, str] = {}  # of the last autograde: {notebook: the cell running when its kernel died}
        self.phases: dict[str, float] = {}  # of the last autograde: seconds of kernel start, execute, kernel stop

    def autograde(self, assignment: str, student: str) -> dict:
        """nbgrader's log of the run: {"success", "log", "error"} (see nbgrader.utils.capture_log)."""
        with temp_attrs(self.api.coursedir, assignment_id=assignment, student_id=student):
            app = CourseAutograde(self.launcher, coursedir=self.api.coursedir, parent=self.api)
            app.force = True
            app.create_student = True
            self.dead_cells = app.deaths
            self.phases = app.phases
            return capture_log(app)

    def feedback(self, assignment: str, student: str) -> dict:
        c = configure_feedback(Config())
        with temp_attrs(self.api.coursedir, assignment_id=assignment, student_id=student):
            app = CourseFeedback(self._exporters, coursedir=self.api.coursedir, parent=self.api)
            app.update_config(c)
            app.force = True
            return capture_log(app)
