# uwu-tui: `make run` opens the TUI on the default vault; `make test` runs the test suite.
# Both make .venv and install what they need on a fresh clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test bench bench-small stress fuzz snapshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/uwu $(ARGS)

# The suite runs on every CPU (pytest-xdist): 1,400 tests, half of them starting a real
# Textual app or a real vault with Argon2id, took 9 min on one CPU of a 2-CPU machine.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n auto $(PYTEST_ARGS)

# Regenerate the SVG snapshots after an intended change of a screen.
snapshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -p no:xdist tests/ui --snapshot-update

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Reliability campaigns (issue 7): 200 SIGKILLs of a writer, 20 caseworker processes for
# 60 s. Figures go to bench-results/stress.md. Sizes: UWU_STRESS_KILLS, _WORKERS, _SECONDS.
stress: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -s -m stress tests/stress $(PYTEST_ARGS)

# Property tests exploring: random examples, FUZZ (default 10) times as many as `make test`
# (which runs the same derandomized examples every time). About 3 min on 2 CPUs.
fuzz: $(VENV)/.installed-test
	UWU_FUZZ=$(or $(FUZZ),10) $(BIN)/python -m pytest -q -n auto tests/unit $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
