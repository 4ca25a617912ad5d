# `make run` and `make test` are aliases of the README's two commands, `python3 bootstrap.py
# run` and `python3 bootstrap.py test`, which create and update the virtual environment .venv.
# bootstrap.py's CHECKS is the one list of what `test` (and CI, which runs `make test`) checks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) bootstrap.py setup

run:
	$(PYTHON) bootstrap.py run $(ARGS)

test:
	$(PYTHON) bootstrap.py test $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_engine.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_budget.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_views.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_diagram.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/make_screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .grimp_cache
