# `make demo` and `make test` set up everything they need in .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean bench bench-peers bench-memory bench-jacobian bench-transform fuzz jacobians

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python samples/teaching.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

$(VENV)/.samples: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,samples]"
	touch $(VENV)/.samples

# Jacobians column by column and row by row; the forward/reverse crossover, saved as a PNG.
jacobians: $(VENV)/.samples
	$(BIN)/python samples/jacobians.py

# Gradient and Jacobian time / plain function time, against hand-written derivatives.
bench: $(STAMP)
	$(BIN)/python benchmarks/gradients.py

# The same, with tangent-ad, autograd, PyTorch and JAX (installs the `bench` extra: ~1 GB).
$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(VENV)/.bench

bench-peers: $(VENV)/.bench
	$(BIN)/python benchmarks/gradients.py

bench-transform: $(STAMP)
	$(BIN)/python benchmarks/transform_cost.py

bench-jacobian: $(STAMP)
	$(BIN)/python benchmarks/jacobian_vector_mode.py

bench-memory: $(STAMP)
	$(BIN)/python benchmarks/tape_memory.py

# Ten times CI's random programs (about 24,000), drawn afresh: forward = reverse = numeric.
fuzz: $(STAMP)
	S2S_PROGRAMS_SCALE=10 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_properties.py
