# The two commands a fresh machine needs (see README.md):
#   make run   - install, then start the service (UI + APIs) on 127.0.0.1:8000, embedded engine
#   make test  - install with dev tools, then lint, type-check and run the whole test suite
.PHONY: run sample test setup setup-dev lint examples screenshots fuzz

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh dev

run: setup
	.venv/bin/promptocr serve

sample: setup
	.venv/bin/promptocr read examples/receipt.png --format text

lint:
	.venv/bin/ruff check src tests scripts bench
	.venv/bin/ruff format --check src tests scripts bench
	.venv/bin/mypy src

test: setup-dev lint
	.venv/bin/python -m pytest -q

examples: setup
	.venv/bin/python scripts/make_examples.py

screenshots: setup-dev
	PROMPTOCR_UI_SCREENSHOTS=docs/img .venv/bin/python -m pytest -q tests/ui

# schemathesis against a live server for FUZZ_SECONDS (a 30 s run is part of `make test`)
FUZZ_SECONDS ?= 300
fuzz: setup-dev
	.venv/bin/python scripts/fuzz.py --max-time $(FUZZ_SECONDS)
