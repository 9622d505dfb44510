"""What names a trained spaCy pipeline's folder, and so the spacy and hybrid extractors' versions.

The folder is `.models/spacy/<digest>/`, the digest covering everything the pipeline is trained
from (see extractors/training.py). It lives apart from the training code so that a version, the
extraction cache's key, is known without importing spaCy: a run whose extractions all come
from the cache never loads it (half a second of a warm run).
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection
from importlib.metadata import version as installed_version
from pathlib import Path

from reform_facts.extractors.code_version import code_version
from reform_facts import paths
from reform_facts.extractors import models
from reform_facts.gold import gold_files
from reform_facts.rulebook import load_rulebook

CONFIG = paths.CONFIGS_DIR / "spacy_indicator.cfg"
GOLD_DIR = paths.GOLD_DIR
CORPUS_DIR = paths.CORPUS_DIR
MODELS_DIR = paths.MODELS_DIR / "spacy"
# Bump when the code changes what a trained model means (the examples, the suggester, the
# features): the digest then names new folders and the old models are not loaded.
FORMAT = "spancat-5"


def training_files(gold_dir: Path = GOLD_DIR) -> list[Path]:
    """The gold files the spaCy pipeline learns from: those of the bundled documents of corpus/.

    The written documents of gold/documents/ are not trained on yet, so every score on them is a
    held-out score (and the sealed test split stays unseen)."""
    return [path for path in gold_files(gold_dir) if (CORPUS_DIR / f"{path.stem}.txt").is_file()]


def training_digest(held_out: Collection[str] = (), *, config: Path = CONFIG, gold_dir: Path = GOLD_DIR) -> str:
    """Hash of everything a trained pipeline is made from (see extractors/training.py)."""
    digest = hashlib.sha256()
    parts: list[bytes] = [FORMAT.encode(), installed_version("spacy").encode(),
                          load_rulebook().digest.encode(),
                          *(v.encode() for v in sorted(models.FILES_SHA256.values())), config.read_bytes()]
    for path in training_files(gold_dir):
        parts += [path.name.encode(), path.read_bytes(), (CORPUS_DIR / f"{path.stem}.txt").read_bytes()]
    parts.append(("held out: " + ",".join(sorted(held_out))).encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:16]


def model_dir(held_out: Collection[str] = ()) -> Path:
    return MODELS_DIR / training_digest(held_out)


def extractor_version(name: str, held_out: Collection[str] = ()) -> str:
    """The `version` of the extractor `name` (spacy, hybrid) with `held_out` out of training,
    without loading or training its pipeline: the folder name of the model it uses or would train."""
    held = tuple(sorted(held_out))
    fold = f"-without-{'+'.join(held)}" if held else ""
    return f"{name}-{model_dir(held).name}-{code_version()}{fold}"
