# nbgrader configuration for the LSTM course: stock `nbgrader ...` commands run in this
# folder (with the course's venv active) use the same settings as `lstm-course`.
from autograder.nbgrader.config import apply

c = get_config()  # noqa: F821 (provided by nbgrader)
apply(c)
