"""Instructor side of the LSTM course: build, run and grade notebooks with nbgrader."""
import sys

# nbformat validates notebooks with jsonschema, whose format module imports the optional IRI
# checker `rfc3987_syntax` when it is installed (jupyter-events pulls it in); that import
# compiles ~35 Lark grammars, 2.4 s of CPU in every process that reads a notebook (measured
# here; python-jsonschema/jsonschema#1428). No schema the course or Jupyter uses has an "iri"
# format, so the course's processes skip the checker: a None in sys.modules makes the import
# fail at once, and jsonschema goes on without that one checker.
sys.modules.setdefault("rfc3987_syntax", None)
