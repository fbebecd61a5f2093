# `make demo` and `make test` set up everything they need in .venv on a fresh machine.
# The interpreter .venv is made from: the system's own `/usr/bin/python3` where it is 3.11 or
# later and can make one (Debian's is linked statically, with profile-guided and link-time
# optimisation: the transformation runs in 11 % fewer instructions there, and took 17-20 %
# less processor time on a quiet hour, than on a plain source build such as pyenv's, which
# links libpython as a shared library without them); else the first `python3` on the PATH.
# `make PYTHON=...` chooses another.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))" 2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all test-jit docs clean build bench bench-peers bench-memory bench-jacobian bench-jacrev bench-transform fuzz golden jacobians mlp model pendulum pictures

# (S2S_AD_PURE_PYTHON=1: pip's editable install compiles nothing; the passes are compiled in
# place by the rule after, which a later `make` repeats for the modules changed since)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	S2S_AD_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The transformation's passes as C extensions, built by Cython beside their sources (setup.py;
# about 2 minutes on 2 cores from nothing, seconds for a changed module)
COMPILED := $(VENV)/.compiled
$(COMPILED): $(STAMP) setup.py $(wildcard $(patsubst %,s2s_ad/%/*.py,frontend ssa simplify ad codegen))
	$(BIN)/python setup.py --quiet build_ext --inplace
	touch $(COMPILED)

build: $(COMPILED)

demo: $(COMPILED)
	$(BIN)/python samples/teaching.py

# (--dist worksteal: a worker left idle takes queued items from the other, so a long item
# scheduled late does not leave one core waiting)
# The tests run the compiled passes. Then, from the passes' source (S2S_AD_PURE_PYTHON=1): the
# doctests (Cython's functions hide their docstrings' examples from doctest), and the tests of
# code nested deep, where the two differ (compiled, the passes recurse on the C stack).
PURE_TESTS := s2s_ad tests/test_compiled.py tests/test_deep_nesting.py \
	tests/test_deep_code_independent.py tests/test_long_branchy_programs_independent.py
test: $(COMPILED) $(VENV)/.docs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) docs
	S2S_AD_COMPILED_EXPECTED=1 $(BIN)/python -m pytest -n auto --dist worksteal --durations=30 tests
	S2S_AD_PURE_PYTHON=1 $(BIN)/python -m pytest -q -n auto $(PURE_TESTS)

$(VENV)/.docs: $(STAMP)
	S2S_AD_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $(VENV)/.docs

# The documentation site from docs/ into docs/_build/html: every code cell of the tutorial
# and the how-to pages runs again (-E: no cached pages; about 40 s); a warning or a failing
# cell fails the build.
docs: $(VENV)/.docs $(COMPILED)
	$(BIN)/python -m sphinx -E -W --keep-going -q -b html docs docs/_build/html

# Rewrite the golden files of tests/golden after an intended change to generated code
# (then read the diff).
golden: $(COMPILED)
	$(BIN)/python tests/test_golden.py --update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis docs/_build build s2s_ad/_compiled_from.py
	rm -f s2s_ad/*/*.c s2s_ad/*/*.so

$(VENV)/.samples: $(COMPILED)
	S2S_AD_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet -e ".[test,samples]"
	touch $(VENV)/.samples

# The samples save their pictures outside the repository: in $(PICTURES) (make mlp
# PICTURES=~/pictures for another place); `make pictures` refreshes the committed ones in
# samples/ (the README shows them).
PICTURES ?= $(shell $(PYTHON) -c "import tempfile; print(tempfile.gettempdir())")/s2s_ad_samples

# Jacobians column by column and row by row; the forward/reverse crossover, saved as a PNG.
jacobians: $(VENV)/.samples
	$(BIN)/python samples/jacobians.py --plot $(PICTURES)/jacobians.png

# Train a 2-16-16-1 network on two moons by gradient descent; saves mlp.png.
mlp: $(VENV)/.samples
	$(BIN)/python samples/train_mlp.py --plot $(PICTURES)/mlp.png

# Train a 1-24-24-1 network held as objects (an MLP of Dense dataclasses) and as a list of
# (W, b) tuples, with a loss passed to a training helper; saves model.png.
model: $(VENV)/.samples
	$(BIN)/python samples/train_model.py --plot $(PICTURES)/model.png

# Fit a damped pendulum's parameters through its simulation loop; saves pendulum.png.
pendulum: $(VENV)/.samples
	$(BIN)/python samples/pendulum_fit.py --plot $(PICTURES)/pendulum.png

# The committed pictures the README shows, made again by the samples.
pictures: $(VENV)/.samples
	$(BIN)/python samples/train_mlp.py --plot samples/mlp.png
	$(BIN)/python samples/train_model.py --plot samples/model.png
	$(BIN)/python samples/pendulum_fit.py --plot samples/pendulum.png
	$(BIN)/python samples/jacobians.py --plot samples/jacobians.png

# Gradient and Jacobian time / plain function time, against hand-written derivatives.
bench: $(COMPILED)
	$(BIN)/python benchmarks/gradients.py

# The same, with tangent-ad, autograd, PyTorch and JAX, and Hessians against autograd's and
# JAX's (installs the `bench` extra: ~1 GB).
$(VENV)/.bench: $(COMPILED)
	S2S_AD_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(VENV)/.bench

bench-peers: $(VENV)/.bench
	$(BIN)/python benchmarks/gradients.py

bench-transform: $(COMPILED)
	$(BIN)/python benchmarks/transform_cost.py

bench-jacobian: $(COMPILED)
	$(BIN)/python benchmarks/jacobian_vector_mode.py

bench-jacrev: $(COMPILED)
	$(BIN)/python benchmarks/jacobian_reverse_mode.py

bench-memory: $(COMPILED)
	$(BIN)/python benchmarks/tape_memory.py

# 10,000 random programs drawn afresh (PROGRAMS=n for more) by each of two generators, ours
# and one written from the README alone: value = plain call, forward = reverse = numeric, and
# the dot-product test; each prints its counts and mismatches (fuzz-failures.txt,
# independent-failures.txt).
# Every parameter set of the Numba (`jit=True`) tests: `make test` runs a third of them beyond
# each test's first (tests/conftest.py)
test-jit: $(COMPILED)
	S2S_AD_EVERY_JIT=1 S2S_AD_COMPILED_EXPECTED=1 $(BIN)/python -m pytest -n auto -k jit tests

# Every test: `make test` runs three in four of the parameter sets of the independent
# testers' files and a sample of the Numba tests' (tests/conftest.py)
test-all: $(COMPILED) $(VENV)/.docs
	S2S_AD_EVERY_TEST=1 S2S_AD_COMPILED_EXPECTED=1 $(BIN)/python -m pytest -n auto --dist worksteal tests

PROGRAMS ?= 10000
SEED ?= $(shell date +%s)
fuzz: $(COMPILED)
	$(BIN)/python tests/fuzz.py --programs $(PROGRAMS) --seed $(SEED)
	$(BIN)/python tests/fuzz_independent.py --programs $(PROGRAMS) --jobs 2 --seed $(SEED)
