# Gluon CNN Basics: one environment in .venv/, created on first use and
# re-created whenever requirements.txt changes. (pyproject.toml only holds the
# package list of utils/, installed in editable mode, and tool settings; after
# changing its [project] or [tool.setuptools] tables, run `make clean`.)
#
# The environment's interpreter pins MXNet's numerics (utils/pin.py: AVX2 kernels,
# one thread), so every notebook computes the stored numbers on any AVX2 machine.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PINNED := $(VENV)/.pinned
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
# pytest-xdist workers for `make test`: kernels are pinned to one thread each, so
# two notebooks run side by side on a 2-core machine. More cores: make test JOBS=4.
JOBS ?= 2

BOOK_DIR := build/book

# nbval runs each notebook in the kernel its metadata names (gluon-cnn-basics).
NBVAL_FLAGS := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: sizes help setup host-check lab test unit nbval portability execute lint bench clean book book-check

help:
	@echo "make lab      start JupyterLab on notebooks/ (127.0.0.1, token on)"
	@echo "make test     unit tests + strict nbval on every notebook + the portability check"
	@echo "make portability  only the training notebooks under simulated machines"
	@echo "make execute  re-run notebooks in place in a fresh kernel (NOTEBOOKS=... for some)"
	@echo "make lint     ruff over utils/, tests/, benchmarks/, book/ and the notebooks"
	@echo "make book     build the HTML edition into build/book/ (open build/book/index.html)"
	@echo "make book-check  check build/book/ in headless Chromium (needs the chromium package)"
	@echo "make bench    time the convolution implementations (benchmarks/)"
	@echo "make sizes    words and code lines on the main path of each notebook"
	@echo "make clean    remove the environment and caches"

setup: $(PINNED)

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. This project needs Python 3.11"; \
	  echo "       (mxnet 1.9.1 needs numpy 1.23.5, which has no wheels for newer Pythons)."; \
	  echo "       Install Python 3.11 or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { \
	  echo "error: '$(PYTHON)' is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); this project needs Python 3.11."; \
	  echo "       Run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The numerics pin (.pth file), the project's Jupyter kernel and JupyterLab settings.
$(PINNED): $(STAMP) utils/pin.py
	$(BIN)/python utils/pin.py install
	touch $(PINNED)

# One clear line, before anything is installed or run, on a machine that cannot run
# the pinned code path (not x86-64, or no AVX2/FMA). Needs only the standard library.
host-check:
	@if command -v $(PYTHON) >/dev/null 2>&1; then $(PYTHON) utils/pin.py check; fi

# Jupyter refuses to start as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(PINNED)
	@$(BIN)/python utils/pin.py show
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser $(ROOT_FLAG)

# One pytest run: unit tests, every notebook under strict nbval, and the portability
# check (tests/test_portability.py), spread over $(JOBS) workers, one notebook each.
# Then the book: built, and checked in Chromium when it is installed (one line says
# so when it is not; in CI, where CI=true, a missing Chromium is an error).
test: host-check $(PINNED)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --no-loadscope-reorder tests $(NBVAL_FLAGS) notebooks
	$(BIN)/python book/build.py
	$(BIN)/python book/check.py --if-available $(BOOK_DIR)

unit: $(PINNED)
	$(BIN)/python -m pytest -m "not portability" tests

nbval: host-check $(PINNED)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

portability: host-check $(PINNED)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope tests/test_portability.py

# Execute in a fresh kernel, then merge consecutive prints of a cell into one
# stream (how the kernel splits them varies from run to run; nbval ignores the
# split, git diffs would not).
execute: host-check $(PINNED)
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; \
	  $(BIN)/jupyter nbconvert --to notebook --inplace --log-level=WARN \
	    --CoalesceStreamsPreprocessor.enabled=True "$$nb" || exit 1; \
	done

lint: $(PINNED)
	$(BIN)/ruff check utils tests benchmarks book notebooks
	$(BIN)/actionlint

# The HTML edition (book/): README.md as the landing page and every notebook from its
# stored outputs (nothing is executed), Sphinx warnings as errors, into build/book/.
book: $(PINNED)
	$(BIN)/python book/build.py

# The browser check of build/book/ as it stands (no rebuild, so a broken build is
# reported, not replaced): headless Chromium over file:// and http://127.0.0.1.
book-check: $(PINNED)
	$(BIN)/python book/check.py $(BOOK_DIR)

# The benchmark measures the machine as it is: the pin is turned off for it.
bench: $(PINNED)
	GLUON_CNN_BASICS_UNPINNED=1 $(BIN)/python benchmarks/bench_conv.py

# Prose words and code lines on each notebook's main path (without "Going deeper" sections
# and collapsed solutions); tests/test_notebook_structure.py holds 01-06 to 1,200 and 100.
sizes:
	@python3 tests/notebook_structure.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache benchmarks/results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
