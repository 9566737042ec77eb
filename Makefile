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

# --no-pull: setup never reaches out to an image registry; with none configured it builds the
# sandbox image air-gapped from the machine's Debian mirror. (`evokernel sandbox build-image`
# without --no-pull pulls the configured image first, for machines that have a registry.)
setup: $(STAMP)
	@scripts/ensure-docker
	@scripts/ensure-tools
	@$(BIN)/evokernel sandbox build-image --quiet --no-pull
	@scripts/fetch-drift-corpus

demo: setup
	$(BIN)/evokernel scenario run capture-replay

test: setup
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict store sandbox evokernel scenarios

clean:
	rm -rf $(VENV) .evokernel .pytest_cache .mypy_cache .ruff_cache
