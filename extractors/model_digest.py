"""What names a trained spaCy pipeline's folder, and so the spacy and hybrid extractors' versions.

The folder is `.models/spacy/<digest>/`, the digest covering everything the pipeline is trained
from (see extractors/training.py). It lives apart from the training code so that a version, the
extraction cache's key, is known without importing spaCy: a run whose extractions all come
from the cache never loads it (half a second of a warm run).

The pipeline learns from the gold set's dev split (gold/split.json); the sealed test split is
never read here. Cross-validation groups the dev documents into `FOLDS` folds (`folds`): a
dev document is scored by the pipeline trained without its fold.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection
from importlib.metadata import version as installed_version
from pathlib import Path

from reform_facts.extractors.code_version import code_version
from reform_facts import paths
from reform_facts.extractors import models
from reform_facts.gold import document_path, gold_files
from reform_facts.rulebook import load_rulebook

CONFIG = paths.CONFIGS_DIR / "spacy_indicator.cfg"
CONTEXT_CONFIG = paths.CONFIGS_DIR / "spacy_context.cfg"
SOURCES = paths.CONFIGS_DIR / "spacy_sources.cfg"  # the hybrid's field sources (not trained from)
GOLD_DIR = paths.GOLD_DIR
CORPUS_DIR = paths.CORPUS_DIR
MODELS_DIR = paths.MODELS_DIR / "spacy"
DONE = "trained.json"  # written last into a model's folder: a folder without it is an interrupted training
# Bump when the code changes what a trained model means (the examples, the suggester, the
# features): the digest then names new folders and the old models are not loaded.
FORMAT = "spancat+context-5"  # 5: nor are their regions and years chosen by the context model
# Five folds: each fold's model still learns from four fifths of the dev documents, and
# the six trainings (the final model and the folds) stay within minutes on two cores.
FOLDS = 5


def training_files(gold_dir: Path = GOLD_DIR) -> list[Path]:
    """The gold files the spaCy pipeline learns from: those of the dev split (the bundled
    documents of corpus/ and the written dev documents of gold/documents/)."""
    return gold_files(gold_dir, split="dev")


def text_path(doc_id: str, gold_dir: Path = GOLD_DIR) -> Path:
    """Where a gold document's text is (gold/documents/ or corpus/)."""
    return document_path(doc_id, gold_dir=gold_dir, corpus_dir=CORPUS_DIR)


def folds(gold_dir: Path = GOLD_DIR, k: int = FOLDS) -> list[tuple[str, ...]]:
    """The dev documents in `k` groups, dealt in turn in name order: the written documents are
    numbered by genre (1xx bulletins, 2xx ...), so dealing spreads every genre over the folds.

    >>> all(len(fold) >= 7 for fold in folds())
    True
    """
    names = sorted(path.stem for path in training_files(gold_dir))
    return [tuple(names[i::k]) for i in range(k)]


def fold_of(doc_id: str, gold_dir: Path = GOLD_DIR) -> tuple[str, ...]:
    """The fold holding `doc_id`, or () when the pipeline never learns from it (a test or
    unknown document): then the final pipeline scores it."""
    return next((fold for fold in folds(gold_dir) if doc_id in fold), ())


def training_digest(held_out: Collection[str] = (), *, config: Path = CONFIG, gold_dir: Path = GOLD_DIR) -> str:
    """Hash of everything a trained pipeline is made from (see extractors/training.py)."""
    digest = hashlib.sha256()
    parts: list[bytes] = [FORMAT.encode(), installed_version("spacy").encode(),
                          load_rulebook().digest.encode(),
                          *(v.encode() for v in sorted(models.FILES_SHA256.values())), config.read_bytes(),
                          CONTEXT_CONFIG.read_bytes()]
    for path in training_files(gold_dir):
        parts += [path.name.encode(), path.read_bytes(), text_path(path.stem, gold_dir).read_bytes()]
    parts.append(("held out: " + ",".join(sorted(held_out))).encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:16]


def model_dir(held_out: Collection[str] = ()) -> Path:
    return MODELS_DIR / training_digest(held_out)


def is_trained(held_out: Collection[str] = ()) -> bool:
    return (model_dir(held_out) / DONE).is_file()


def extractor_version(name: str, held_out: Collection[str] = ()) -> str:
    """The `version` of the extractor `name` (spacy, hybrid) with `held_out` out of training,
    without loading or training its pipeline: the folder name of the model it uses or would train."""
    held = tuple(sorted(held_out))
    fold = f"-without-{'+'.join(held)}" if held else ""
    return f"{name}-{model_dir(held).name}-{code_version()}{fold}"
