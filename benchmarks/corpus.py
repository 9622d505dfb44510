"""The scaled-up corpus: variants of the bundled documents until the text reaches a size.

Each variant keeps its source's first lines (title and opening, which state the year and the
region) and a seeded random share of the other lines, in their order. The variants are
distinct texts (no extractor cache can answer a repeat) with the sources' mix of figures, and
the same seed gives the same bytes on every machine. They are written once into
`.cache/bench/` (ignored by git), named `<source stem>-v<k>.txt`, and reused while the sources
and the parameters are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.readers import read_document

SOURCE = ROOT / "corpus"
CACHE = ROOT / ".cache" / "bench"
FULL_BYTES = 5 * 1024 * 1024  # the "at least 5 MB", read as MiB of UTF-8
QUICK_BYTES = 512 * 1024
HEAD_LINES = 3  # title and opening: where documents state their year and region
KEEP = 0.6  # share of the other lines a variant keeps
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ScaledCorpus:
    """A folder of variant documents and what it holds."""

    folder: Path
    documents: int
    bytes: int
    characters: int

    def to_json(self) -> dict[str, object]:
        return {"folder": str(self.folder.relative_to(ROOT)) if self.folder.is_relative_to(ROOT)
                else str(self.folder), "documents": self.documents, "bytes": self.bytes,
                "characters": self.characters}


def sources(folder: Path = SOURCE) -> list[Path]:
    return sorted(folder.glob("*.txt"))


def variant(text: str, seed: str) -> str:
    """The text with its first lines and a seeded share of the rest, in order.

    >>> text = "标题\\n2023年\\n山东省\\n" + "\\n".join(f"第{i}行" for i in range(50))
    >>> v = variant(text, "x")
    >>> v.startswith("标题\\n2023年\\n山东省\\n"), v == variant(text, "x"), len(v) < len(text)
    (True, True, True)
    """
    lines = text.split("\n")
    rng = random.Random(seed)
    body = [line for line in lines[HEAD_LINES:] if rng.random() < KEEP]
    return "\n".join(lines[:HEAD_LINES] + body)


def _digest(paths: list[Path], target: int) -> str:
    digest = hashlib.sha256(f"{target}:{HEAD_LINES}:{KEEP}".encode())
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _write_variants(folder: Path, paths: list[Path], target: int) -> ScaledCorpus:
    """Cycle through the sources, one variant each, until `target` bytes are written."""
    texts = [(path.stem, path.read_bytes().decode("utf-8")) for path in paths]
    total_bytes = total_chars = count = 0
    k = 0
    while total_bytes < target:
        for stem, text in texts:
            body = variant(text, f"{stem}:{k}")
            raw = body.encode("utf-8")
            (folder / f"{stem}-v{k:03d}.txt").write_bytes(raw)
            total_bytes, total_chars, count = total_bytes + len(raw), total_chars + len(body), count + 1
            if total_bytes >= target:
                break
        k += 1
    return ScaledCorpus(folder, count, total_bytes, total_chars)


def build(target: int = FULL_BYTES, *, source: Path = SOURCE, cache: Path = CACHE) -> ScaledCorpus:
    """The scaled corpus of at least `target` bytes, built once and then reused."""
    paths = sources(source)
    if not paths:
        raise FileNotFoundError(f"{source}: no .txt documents to scale up")
    folder = cache / f"corpus-{_digest(paths, target)}"
    manifest = folder / MANIFEST
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return ScaledCorpus(folder, data["documents"], data["bytes"], data["characters"])
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    corpus = _write_variants(building, paths, target)
    (building / MANIFEST).write_text(json.dumps(
        {"documents": corpus.documents, "bytes": corpus.bytes, "characters": corpus.characters,
         "target": target, "sources": [p.name for p in paths]}), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)  # whole or not at all: a crash leaves only a building-* folder
    return ScaledCorpus(folder, corpus.documents, corpus.bytes, corpus.characters)


def load(folder: Path) -> list[Document]:
    """The documents of a folder, sorted by name, read as the CLI reads them."""
    return [read_document(path) for path in sorted(folder.glob("*.txt"))]
