# The course's commands (see README.md and docs/CLI.md).
# Every target that needs Python goes through `setup`, which is idempotent: the venv is
# (re)installed only when pyproject.toml or constraints.txt changed since the last install.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STARTUP := $(VENV)/.startup
# nbgrader calls `alembic` by name: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
PYTEST_WORKERS ?= auto
LAB_ARGS ?=
# Jupyter refuses to run as root unless told (containers, CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# pip, quiet: -qq prints errors only (no build-backend notices, no warnings about a machine's own
# pip configuration). Every install is pinned by constraints.txt: no package, torch above all
# (an unpinned one is a multi-GB CUDA build), comes in at another version than the pinned one.
PIP := $(BIN)/python -m pip --disable-pip-version-check -qq

# Grading runs student code in bubblewrap (README.md, "Safety"). Setup installs it where it can
# (as root, with apt-get) and otherwise says how, in one line; it never fails for want of it
# (`make demo` grades the course's own demo class without it, and says so).
BWRAP_HOW := sudo apt-get install bubblewrap
define BWRAP
if command -v bwrap >/dev/null 2>&1; then :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
  && { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; } >/dev/null 2>&1 \
  && command -v bwrap >/dev/null 2>&1; then echo "setup: installed bubblewrap (the grader's sandbox)"; \
else echo "setup: bubblewrap (the grader's sandbox) is not installed; install it with: $(BWRAP_HOW)"; fi
endef

.PHONY: setup bubblewrap lab demo test build check-build clean

setup: $(STAMP) $(STARTUP)

# The steps, and why each is as it is (README.md, "Set up", gives the measured times):
# - the venv's own pip and setuptools are brought to their pins first (a no-op when they are),
#   so the course is built with the pinned setuptools already there: no isolated build
#   environment to create and fill on every install (--check-build-dependencies still fails
#   loudly if pyproject.toml's [build-system] ever asks for more);
# - --no-compile, then compileall on every core: pip byte-compiles file by file on one core,
#   which was most of the install's time (the venv must hold .pyc files: sandboxed kernels see
#   it read-only and would compile torch again at every start). A few files of third-party
#   packages are written for newer Pythons and do not compile; pip skips them the same way.
# - bubblewrap is looked for (and installed) in the background, while pip works.
$(STAMP): pyproject.toml constraints.txt
	@{ $(BWRAP); } & \
	{ test -x $(BIN)/python || { echo "setup: creating $(VENV) with $(PYTHON)" && $(PYTHON) -m venv $(VENV); }; } \
	&& echo "setup: installing the course and its pinned dependencies into $(VENV) (a few minutes the first time)" \
	&& $(PIP) install -c constraints.txt pip setuptools \
	&& $(PIP) install --no-compile --no-build-isolation --check-build-dependencies -c constraints.txt -e '.[dev]' \
	&& { $(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true; }; \
	status=$$?; wait; exit $$status
	@touch $@

# Every Python of the venv (nbgrader's commands, Jupyter servers, the grader, the tests) skips
# jsonschema's optional IRI format checker: importing it compiles ~35 grammars, ~2 s of CPU in
# each process that imports Jupyter's event schemas, and no Jupyter or course schema uses the
# "iri" formats (python-jsonschema/jsonschema#1428). A .pth line runs at every interpreter start.
$(STARTUP): $(STAMP)
	@echo "import sys; sys.modules.setdefault('rfc3987_syntax', None)  # lstm-course: see its Makefile" \
	  > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/lstm_course_skip_iri.pth"
	@touch $@

bubblewrap:
	@$(BWRAP)

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

demo: setup
	$(BIN)/lstm-course demo

build: setup
	$(BIN)/lstm-course build

check-build: setup
	$(BIN)/lstm-course build --check

# --durations: the 30 slowest tests end the report (CI's log shows where the suite's time goes)
test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q --durations=30

clean:
	rm -rf $(VENV) .pytest_cache out demo-out

# ---- hub: a classroom on JupyterHub (docs/CLASSROOM.md) ----
# `make hub` (as root) starts JupyterHub behind configurable-http-proxy with an instructor and
# demo students; HUB_ARGS passes options, e.g. make hub HUB_ARGS="--port 8001". The proxy comes
# from npm, at the versions of package-lock.json, installed with `npm ci` (never by hand).
HUB_ARGS ?=
PROXY_STAMP := node_modules/.package-lock.json

$(PROXY_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: hub
hub: setup $(PROXY_STAMP)
	$(BIN)/lstm-course hub $(HUB_ARGS)
# ---- end of hub ----
