# The course's commands (see README.md and docs/CLI.md).
# Every target that needs Python goes through `setup`, which is idempotent: the venv is
# (re)installed only when pyproject.toml or constraints.txt changed since the last install.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader calls `alembic` by name: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
PYTEST_WORKERS ?= auto
LAB_ARGS ?=
# Jupyter refuses to run as root unless told (containers, CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: setup lab demo test build check-build clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@command -v bwrap >/dev/null 2>&1 || echo "note: grading runs student code in bubblewrap; install it with: sudo apt-get install bubblewrap"
	@touch $@

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

demo: setup
	$(BIN)/lstm-course demo

build: setup
	$(BIN)/lstm-course build

check-build: setup
	$(BIN)/lstm-course build --check

test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

clean:
	rm -rf $(VENV) .pytest_cache out demo-out
