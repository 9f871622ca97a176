# ecsedu: `make lab` opens the workbook, `make test` runs every check and test.
# Both install what they need first (apt packages, .venv); see scripts/.

.PHONY: help setup lab test check format fuzz bench images diagrams docker clean distclean dashboard

VENV_PY := .venv/bin/python

help:
	@echo "make lab       open the workbook in JupyterLab (installs everything first)"
	@echo "make test      install everything, start Docker if needed, run checks and all tests"
	@echo "make check     ruff, mypy --strict, import-linter"
	@echo "make format    ruff format + ruff check --fix"
	@echo "make fuzz      property-based tests at 10,000 examples each"
	@echo "make bench     run benchmarks/*.py"
	@echo "make images    build the offline demo images in the local Docker engine"
	@echo "make diagrams  regenerate diagrams/ from the engine"
	@echo "make dashboard serve notebook 08's live dashboard with Voila (projector theme, 127.0.0.1:8866)"
	@echo "make clean     remove caches (make distclean also removes .venv)"

setup:
	bash scripts/setup

docker:
	bash scripts/ensure-docker

lab:
	bash scripts/lab

test: setup docker
	bash scripts/test

check: setup
	bash scripts/check

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

fuzz: setup
	bash scripts/fuzz

bench: setup
	bash scripts/bench

images: setup docker
	$(VENV_PY) -m ecsedu images build

diagrams: setup
	$(VENV_PY) -m ecsedu diagrams

dashboard: setup
	ECSEDU_THEME=projector $(VENV_PY) -m ecsedu dashboard

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv
