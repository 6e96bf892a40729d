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

# Quarto (for make docs) is looked for on PATH, then where ../shared/tools/install-quarto.sh puts it (.ci/run does).
QUARTO_HOME ?= $(HOME)/.cache/quarto
ifneq ($(wildcard $(QUARTO_HOME)/bin/quarto),)
export PATH := $(QUARTO_HOME)/bin:$(PATH)
endif
HAVE_QUARTO := $(shell export PATH="$(PATH)"; command -v quarto >/dev/null 2>&1 && echo yes)

.PHONY: help install dev demo test export-check nbtest pytest docs docs-check lab clean

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

test: dev export-check nbtest pytest  ## install dev deps, check export/clean, run nbdev-test and pytest; the docs check where Quarto is installed
ifeq ($(HAVE_QUARTO),yes)
	@$(MAKE) --no-print-directory docs-check
else
	@echo "docs check skipped: quarto not installed (make docs says how to get it)"
endif

docs: dev  ## build the docs site into _docs/ with Quarto; serve it with: python -m http.server -d _docs
ifneq ($(HAVE_QUARTO),yes)
	@echo "make docs needs Quarto, which is not installed here. Install it from https://quarto.org/docs/get-started/;"; \
	 echo "without internet access, build it from the package registries: ../shared/tools/install-quarto.sh $(QUARTO_HOME)"; \
	 echo "(where ../shared/tools exists, as on CI). This Makefile finds Quarto on PATH or in $(QUARTO_HOME)."; exit 1
endif
	LLMREC_PROGRESS=0 MPLBACKEND=Agg $(BIN)/nbdev-docs
	$(BIN)/python tools/docs.py fix
	@echo "Built _docs/. Read it served (opened as a file, its search breaks): python -m http.server -d _docs, then http://127.0.0.1:8000/"

# Serves _docs on localhost and checks it in headless Chromium (Debian's chromium, driven by Playwright from the dev
# extra): pages, console errors, links, images, hidden cells, sidebar, the Recommender.recommend entry, search; API coverage.
docs-check: docs  ## build the docs site and check it in headless Chromium; screenshots in _docs/_check/
	$(BIN)/python tools/docs.py check

lab: dev  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab nbs/

# On a CUDA machine, with .gpu/ made beforehand by `bash scripts/gpu_prepare.sh` (wheels, all-MiniLM-L6-v2 in float16, MovieLens):
# every benchmark stage in under 8 minutes, results in $(OUT)/gpu-<gpu name>/. No install prerequisite: the GPU machine has no venv.
.PHONY: gpu-bench
gpu-bench:  ## on a CUDA machine: the prepared GPU benchmark (scripts/gpu_bench.sh) into OUT (default out/gpu-bench)
	bash scripts/gpu_bench.sh $(or $(OUT),out/gpu-bench)

clean:  ## remove the virtual environment and build outputs
	rm -rf $(VENV) _docs _proc build dist *.egg-info
