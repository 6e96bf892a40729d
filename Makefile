# llmrec: the two Quick-start commands are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
SRC    := llmrec nbs

# Where ../shared/data holds the MovieLens zips (this workplace, CI), read them from there
# instead of downloading; an LLMREC_MIRROR already set in the environment wins.
SHARED_DATA := $(abspath ../shared/data)
ifeq ($(origin LLMREC_MIRROR),undefined)
ifneq ($(wildcard $(SHARED_DATA)/ml-latest-small.zip),)
export LLMREC_MIRROR := file://$(SHARED_DATA)
endif
endif

.PHONY: help install dev demo test export-check nbtest pytest docs lab clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt -e ".[model]"
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e ".[dev,model]"
	touch $@

install: $(VENV)/.installed  ## create .venv and install llmrec through constraints.txt
dev: $(VENV)/.installed-dev  ## install the dev extra too (nbdev, jupyterlab, pytest)

demo: install  ## get MovieLens and run the main job: llmrec compare on ml-latest-small (report in out/compare)
	$(BIN)/llmrec compare --dataset ml-latest-small --out out/compare

# Fails when nbdev-export or nbdev-clean would change what git sees: edit notebooks, export, clean, commit.
# (No install prerequisite, so it can be pointed at any checkout's existing virtualenv: make export-check VENV=...)
export-check:
	@for cmd in nbdev-export nbdev-clean; do \
	  before="$$(git status --porcelain -- $(SRC); git diff -- $(SRC) | sha1sum)"; \
	  $(BIN)/$$cmd || exit 1; \
	  after="$$(git status --porcelain -- $(SRC); git diff -- $(SRC) | sha1sum)"; \
	  if [ "$$before" != "$$after" ]; then \
	    echo "error: $$cmd changed files under $(SRC); run it and commit the result:"; git status --short -- $(SRC); exit 1; \
	  fi; \
	done; echo "nbdev-export and nbdev-clean leave git unchanged."

# Two notebooks run at once on CI's two cores: one BLAS/torch thread each avoids oversubscription.
nbtest: dev  ## run the notebooks as tests (cells flagged slow/cuda are skipped)
	LLMREC_PROGRESS=0 MPLBACKEND=Agg OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/nbdev-test --timing

pytest: dev
	LLMREC_PROGRESS=0 MPLBACKEND=Agg $(BIN)/pytest

test: dev export-check nbtest pytest  ## install dev deps, check export/clean, run nbdev-test and pytest

docs: dev  ## build the Quarto docs site into _docs/
	@command -v quarto >/dev/null 2>&1 || { echo "make docs needs Quarto, which is not installed here."; \
	  echo "Install it from https://quarto.org/docs/get-started/ (a .deb/.tar.gz or 'brew install quarto'), then run make docs again."; exit 1; }
	$(BIN)/nbdev-docs

lab: dev  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab nbs/

clean:  ## remove the virtual environment and build outputs
	rm -rf $(VENV) _docs _proc build dist *.egg-info
