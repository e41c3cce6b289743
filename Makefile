# Two commands for a fresh machine:  `make run` (install, build the index, open the UI)  and  `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
SOI     := $(VENV)/bin/soi
STAMP   := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT    ?= 8501

.PHONY: install index run test lint bench eval

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0   # the CPU build; an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

index: install
	$(SOI) build

run: index
	$(SOI) app --port $(PORT)

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .

eval: index
	$(SOI) eval eval/dev.jsonl --out eval/report.md

bench: index
	$(PY) -m benchmarks.bench
