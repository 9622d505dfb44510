# Two doors for a new user: `make run` (set up, run the main job on corpus/) and `make test`.
# Each step runs only when what it makes is missing or older than what it is made from.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
MODEL  := .models/pkuseg/compact/feature_table.npz
SPACY  := .models/spacy/.trained
FOLDS  := .models/spacy/.folds-trained

.PHONY: setup run test extract evaluate bench clean
# Bytecode is compiled ahead: without it (PYTHONDONTWRITEBYTECODE, read-only installs) every run
# compiles Prefect, spaCy and the project again, seconds of CPU before any work.
setup: $(VENV)/.installed $(MODEL) $(SPACY)
	@$(PY) -m compileall -q reform_facts readers extractors warehouse evaluation pipeline benchmarks

$(PY):
	$(PYTHON) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install -q uv==0.13.9

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) pip install -q --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	touch $@

# Derived again when extractors/models.py (which records the derived files' digests) changes;
# fetch-model only checks the digests when the files are already the recorded ones.
$(MODEL): extractors/models.py | $(VENV)/.installed
	$(VENV)/bin/reform-facts fetch-model
	touch $@

# The spaCy extractor's pipeline, trained on the gold set (about a minute on 2 cores); trained
# again when what it is made from changes (extractors/model_digest.py names the folder by a hash).
$(SPACY): configs/spacy_indicator.cfg configs/spacy_context.cfg $(wildcard gold/*.jsonl gold/split.json gold/documents/* corpus/*.txt rules/*.yaml) extractors/training.py extractors/model_digest.py | $(MODEL)
	$(VENV)/bin/reform-facts train
	touch $@

# The five cross-validation models that score the dev split (`evaluate`, `run --evaluate`), trained
# side by side, one per core: the tests score the dev split, `make run` does not need them.
$(FOLDS): $(SPACY)
	$(VENV)/bin/reform-facts train --folds
	touch $@

run: setup
	$(VENV)/bin/reform-facts run corpus/

test: setup $(FOLDS)
	$(PY) -m pytest -q

extract: setup
	$(VENV)/bin/reform-facts extract corpus/

evaluate: setup
	$(VENV)/bin/reform-facts evaluate

# Speed and memory against their floors, adversarial inputs, the main flow, Dask and the warehouse
# (BENCH_ARGS=--quick for a short run, --scale N for a run over N documents; benchmarks/README.md).
# The peers come from pyproject's `bench` extra, held to the lock's versions.
$(VENV)/.bench-installed: pyproject.toml requirements.lock | $(VENV)/.installed
	$(UV) pip install -q --python $(PY) -r pyproject.toml --extra bench -c requirements.lock
	touch $@

bench: setup $(VENV)/.bench-installed
	$(PY) -m benchmarks.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .models build *.egg-info
