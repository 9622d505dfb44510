"""Where things are: the package's own data, and the project folder that holds the working data.

The rules and the training configuration ship inside the package, so an installed wheel finds
them without a checkout. The working data (corpus/, gold/, the models, the warehouse, caches,
reports) lives in the project folder: `$REFORM_FACTS_HOME` when set, else the checkout this code
runs from, else the current folder.
"""
from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

RULES_DIR = Path(str(files("reform_facts.rules")))
CONFIGS_DIR = Path(str(files("reform_facts.configs")))


def _project_dir() -> Path:
    if home := os.environ.get("REFORM_FACTS_HOME"):
        return Path(home).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    pyproject = checkout / "pyproject.toml"
    if pyproject.is_file() and 'name = "reform-facts"' in pyproject.read_text(encoding="utf-8"):
        return checkout
    return Path.cwd()


PROJECT_DIR = _project_dir()
CORPUS_DIR = PROJECT_DIR / "corpus"
GOLD_DIR = PROJECT_DIR / "gold"
MODELS_DIR = PROJECT_DIR / ".models"
CACHE_DIR = PROJECT_DIR / ".cache"
BUILD_DIR = PROJECT_DIR / "build"
WAREHOUSE_FILE = PROJECT_DIR / "warehouse" / "reform_facts.duckdb"
