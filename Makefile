# The README's two commands: `make demo` and `make test`. Both call `make setup` first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup demo test lint docs-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip >/dev/null
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	@scripts/ensure-docker
	@$(BIN)/evokernel sandbox build-image --quiet

demo: setup
	$(BIN)/evokernel scenario run capture-replay

test: setup
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict store sandbox

clean:
	rm -rf $(VENV) .evokernel .pytest_cache .mypy_cache .ruff_cache
