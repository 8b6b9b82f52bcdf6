# The two commands a newcomer needs: `make demo` (the main job) and `make test` (everything CI runs).
# Each sets up its own virtual environment in .venv and installs puhui with what it needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.installed-runtime

.PHONY: demo test lint bench clean

# The demo needs only what puhui runs with; the tests also need the dev tools (a fresh
# `make demo` skips installing them, which keeps it under three minutes to a usable console).
# uv installs in a quarter of pip's time (parallel downloads and unpacking); it is itself
# installed with pip into the venv, so `make` needs only Python.
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

$(RUNTIME): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev]'
	touch $(STAMP) $(RUNTIME)

demo: $(RUNTIME)
	$(BIN)/puhui demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) puhui-demo.db* puhui-demo-model puhui-demo.env .pytest_cache .mypy_cache .ruff_cache
