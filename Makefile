# placegeo: two commands on a fresh machine -- `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared/data/sources
OUT ?= out

.PHONY: demo test lint data bench notebooks docs clean

# placegeo itself (what `make demo` needs), then the dev extra on top (tests, ruff, notebooks)
$(BIN)/placegeo-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/placegeo-dev-installed: $(BIN)/placegeo-installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## demo: compare the two bundled Lancashire and South Cumbria options
demo: $(BIN)/placegeo-installed
	$(BIN)/placegeo layers
	$(BIN)/placegeo compare data/options/lsc-five-partnerships-2019.yaml data/options/lsc-four-places-2022.yaml \
		--against lad21 ctyua21 ccg21

## test: ruff, the import layers (.importlinter), mypy strict on the public core, then the whole test suite
test: $(BIN)/placegeo-dev-installed
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(BIN)/placegeo-dev-installed
	$(BIN)/ruff check src tests scripts bench

## data: rebuild data/boundaries from ../shared/data/sources
data: $(BIN)/placegeo-installed
	$(BIN)/python scripts/build_boundaries.py --sources $(SHARED) --out data/boundaries
	$(BIN)/python scripts/build_england.py --sources $(SHARED) --out data/boundaries
	$(BIN)/python scripts/build_pcn.py --sources $(SHARED) --out data/boundaries
	$(BIN)/python scripts/build_pcn_england.py --sources $(SHARED) --out data/boundaries

## bench: the engine against a geopandas.overlay baseline, as ratios
bench: $(BIN)/placegeo-installed
	$(BIN)/python bench/run.py

## notebooks: execute the worked example; the run copy, with outputs, goes to out/notebooks
notebooks: $(BIN)/placegeo-dev-installed
	$(BIN)/python scripts/run_notebook.py --out $(OUT)/notebooks notebooks/lsc_place_review.ipynb

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
