# relucheck: every target builds and uses a local virtual environment (.venv), so `make test` and
# `make figures` work on a fresh machine with only python3 (3.10+) installed.
# Override the interpreter with `make PYTHON=python3.12 ...`.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= figures

.DEFAULT_GOAL := help
.PHONY: help install test figures certificate verify check-figures bench lint docs clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml constraints/figures.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# the versions the committed figures were made with (on their Python): byte-equal redraws
	$(BIN)/python -m pip install --quiet -c constraints/figures.txt -e '.[dev]'
	@# byte-compile the package, as a non-editable pip install does: an editable install
	@# otherwise compiles every module at each start when PYTHONDONTWRITEBYTECODE is set (0.3 s)
	$(BIN)/python -m compileall -q relucheck
	@touch $@

install: $(STAMP)  ## Create .venv and install relucheck (editable) with its test and docs tools, runtime versions pinned by constraints/figures.txt

test: $(STAMP)  ## Run the test suite on 2 workers, a test file per worker (budget 2 minutes; now about 2.5)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

figures: $(STAMP)  ## Regenerate every figure, table and provenance file into figures/
	$(BIN)/relucheck all --out $(OUT)

certificate: $(STAMP)  ## Prove Conjecture 1 for every a in (0, pi) (interval arithmetic), then re-check it
	$(BIN)/relucheck conjecture1-grid --certify --out $(OUT)
	$(BIN)/relucheck check-certificate $(OUT)/fig10_conjecture1_certificate.csv

verify: $(STAMP)  ## CI gate: run everything (into a temp folder); fail on any theorem-level claim that fails or is UNDECIDED (--strict)
	@tmp=$$(mktemp -d) && $(BIN)/relucheck all --out $$tmp --quiet --strict; rc=$$?; rm -rf $$tmp; exit $$rc

check-figures: $(STAMP)  ## Rerun everything into a temp folder (or take FRESH=DIR) and compare with figures/: tolerances per column, figures redrawn byte for byte
	@if [ -n "$(FRESH)" ]; then exec $(BIN)/python scripts/check_figures.py "$(FRESH)" --committed $(OUT); fi; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && echo "relucheck all --out $$tmp (about a minute)" && \
	{ $(BIN)/relucheck all --out $$tmp --quiet >/dev/null; rc=$$?; [ $$rc -le 1 ] || { echo "relucheck all failed (exit $$rc)"; exit $$rc; }; } && \
	$(BIN)/python scripts/check_figures.py $$tmp --committed $(OUT)

bench: $(STAMP)  ## Time each command against its budget in docs/design.md (medians)
	$(BIN)/python benchmarks/run.py --json benchmarks/last_bench.json

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and scripts
	$(BIN)/ruff check relucheck tests benchmarks scripts

docs: $(STAMP)  ## Build the documentation site into docs/_build/html (Sphinx; warnings are errors)
	$(BIN)/python -m sphinx -W --keep-going -E -q -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:  ## Remove the virtual environment and caches (keeps figures/)
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis docs/_build
