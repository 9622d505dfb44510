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

from extractors.code_version import code_version
from reform_facts import ROOT, models
from reform_facts.gold import gold_files

CONFIG = ROOT / "configs" / "spacy_indicator.cfg"
GOLD_DIR = ROOT / "gold"
CORPUS_DIR = ROOT / "corpus"
MODELS_DIR = ROOT / ".models" / "spacy"
# Bump when the code changes what a trained model means (the examples, the suggester, the
# features): the digest then names new folders and the old models are not loaded.
FORMAT = "spancat-5"


def training_digest(held_out: Collection[str] = (), *, config: Path = CONFIG, gold_dir: Path = GOLD_DIR) -> str:
    """Hash of everything a trained pipeline is made from (see extractors/training.py)."""
    from extractors import registry

    digest = hashlib.sha256()
    parts: list[bytes] = [FORMAT.encode(), installed_version("spacy").encode(),
                          registry.get("rules").book.digest.encode(),
                          *(v.encode() for v in sorted(models.FILES_SHA256.values())), config.read_bytes()]
    for path in gold_files(gold_dir):
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
