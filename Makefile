# The two commands of the README's Quick start, plus helpers.
#   make demo   install sitmap in .venv and map the built-in example -> outputs/map.html
#   make test   install sitmap with its test tools in .venv and run the test suite
# Each target creates the virtual environment it needs, so both work on a fresh clone.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck bench clean gazetteer

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/sitmap build

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(VENV)/.installed-test
	$(BIN)/ruff check sitmap tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy sitmap

gazetteer: $(VENV)/.installed
	$(BIN)/sitmap gazetteer build

bench: $(VENV)/.installed-test
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
