# Gluon CNN Basics: one environment in .venv/, created on first use and
# re-created whenever requirements.txt changes. (pyproject.toml only holds the
# package list of utils/, installed in editable mode, and tool settings; after
# changing its [project] or [tool.setuptools] tables, run `make clean`.)

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))

NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help setup lab test unit nbval execute lint bench clean

help:
	@echo "make lab      start JupyterLab on notebooks/ (127.0.0.1, token on)"
	@echo "make test     unit tests + strict nbval on every notebook"
	@echo "make execute  re-run notebooks in place in a fresh kernel (NOTEBOOKS=... for some)"
	@echo "make lint     ruff over utils/, tests/, benchmarks/ and the notebooks"
	@echo "make bench    time the convolution implementations (benchmarks/)"
	@echo "make clean    remove the environment and caches"

setup: $(STAMP)

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

# Jupyter refuses to start as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser $(ROOT_FLAG)

test: $(STAMP)
	$(BIN)/python -m pytest tests $(NBVAL_FLAGS) notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

# Execute in a fresh kernel, then merge consecutive prints of a cell into one
# stream (how the kernel splits them varies from run to run; nbval ignores the
# split, git diffs would not).
execute: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=600 \
	    --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; \
	  $(BIN)/jupyter nbconvert --to notebook --inplace --log-level=WARN \
	    --CoalesceStreamsPreprocessor.enabled=True "$$nb" || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check utils tests benchmarks notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_conv.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache benchmarks/results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
